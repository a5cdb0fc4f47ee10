import type { Db } from '@parley/platform'
import { sql } from 'kysely'

const SIGNATURE = 'chat.send_batch(uuid[], text[], uuid[], uuid[], text[], text[], uuid[], text[])'

/**
 * `chat.send_batch` never scans. Its plan is generic and cached for the session; made while the
 * tables were empty with statistics that said so (ANALYZE of a fresh database, which embedded
 * mode now runs), a sequential scan of `messages` looked free for the client_id probe, and the
 * cached plan kept scanning every stored message on every call as the table grew (the fan-out
 * bench halved). Every lookup of the function has a unique index, so scans are simply off here.
 */
export async function up(db: Db): Promise<void> {
  await sql.raw(`alter function ${SIGNATURE} set enable_seqscan = off`).execute(db)
}

export async function down(db: Db): Promise<void> {
  await sql.raw(`alter function ${SIGNATURE} reset enable_seqscan`).execute(db)
}
