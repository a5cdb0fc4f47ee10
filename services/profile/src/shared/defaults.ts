import type { Db } from '@parley/platform'
import { sql } from 'kysely'

import type { Owner } from './owner'

/**
 * Clears the owner's default row of `table` (except `exceptId`), so that a new default can take
 * its place in the same transaction; a partial unique index keeps at most one anyway.
 */
export async function clearDefault(
  db: Db,
  table: 'addresses' | 'cards',
  owner: Owner,
  exceptId?: string,
): Promise<void> {
  let query = db
    .withSchema('profile')
    .updateTable(table)
    .set({ is_default: false, updated_at: sql`now()` })
    .where('user_id', '=', owner.userId)
    .where('tenant_id', '=', owner.tenantId)
    .where('is_default', '=', true)
  if (exceptId) query = query.where('id', '<>', exceptId)
  await query.execute()
}
