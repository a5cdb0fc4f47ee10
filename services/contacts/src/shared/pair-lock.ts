import { isUniqueViolation, type Tx } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Serialises every change to the relationship of two people (invite, answer, remove, block)
 * for the rest of the transaction, so checks and writes cannot interleave between them.
 * @NOTE The unique indexes on the unordered pair stay the last line of defence; this lock
 * only keeps multi-table rules (a block cancels invites, no invite to a contact) consistent.
 */
export async function lockPair(tx: Tx, tenantId: string, a: string, b: string): Promise<void> {
  const [low, high] = a < b ? [a, b] : [b, a]
  await sql`select pg_advisory_xact_lock(hashtextextended(${`contacts:${tenantId}:${low}:${high}`}, 0))`.execute(
    tx.db,
  )
}

/**
 * Runs `work` again when it lost a race on a unique index: the transaction was rolled back,
 * and the next attempt re-reads what the winner committed (e.g. accepts the other side's invite).
 */
export async function retryOnUniqueViolation<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (err) {
      if (attempt >= attempts || !isUniqueViolation(err)) throw err
    }
  }
}
