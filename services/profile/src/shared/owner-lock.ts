import { type Db, transaction, type Tx } from '@parley/platform'

import { lockProfile } from '../profiles/profile.repository'
import type { Owner } from './owner'

/**
 * Runs `work` in one transaction holding the owner's profile-row lock (`select ... for update`).
 * On PostgreSQL this serialises one user's address and card writes across connections and
 * nodes; on PGlite, which is a single session, transactions are serial anyway.
 */
export async function withOwnerLock<T>(db: Db, owner: Owner, work: (tx: Tx) => Promise<T>): Promise<T> {
  return transaction(db, async (tx) => {
    if (!(await lockProfile(tx.db, owner))) throw new Error('profile row missing inside its own lock')
    return work(tx)
  })
}
