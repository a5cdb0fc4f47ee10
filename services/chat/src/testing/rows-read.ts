import { type Db, transaction, type Tx } from '@parley/platform'
import { sql } from 'kysely'

/**
 * Runs `work` in one transaction with sequential scans and the planner methods in `off` switched
 * off, and answers how many rows it read from `chat.<table>` (sequential and index fetches), from
 * the transaction's own table statistics. Sequential scans are off because the test tables are
 * small enough that reading them whole is the cheap plan, which a large table would not allow.
 * Before and after are read in the same transaction: PGlite does not reset its counts between them.
 */
export async function rowsReadBy(
  db: Db,
  table: string,
  off: string[],
  work: (tx: Tx) => Promise<void>,
): Promise<number> {
  return transaction(db, async (tx) => {
    const rowsRead = async () =>
      (
        await sql<{ n: number }>`select
          (coalesce(sum(seq_tup_read), 0) + coalesce(sum(idx_tup_fetch), 0))::int as n
        from pg_stat_xact_user_tables where schemaname = 'chat' and relname = ${table}`.execute(tx.db)
      ).rows[0].n
    for (const setting of ['enable_seqscan', ...off])
      await sql`select set_config(${setting}, 'off', true)`.execute(tx.db)
    const before = await rowsRead()
    await work(tx)
    return (await rowsRead()) - before
  })
}
