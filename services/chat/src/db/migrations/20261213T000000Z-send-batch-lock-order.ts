import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import { FUNCTION as INDEX_PROBES } from './20261211T000000Z-send-batch-index-probes'
import * as noSeqscan from './20261212T000000Z-send-batch-no-seqscan'

/**
 * `chat.send_batch`, third version: the senders' participant rows are locked in
 * (conversation_id, user_id) order before their positions move, the order in which the delivery
 * receipt writer locks them too. The second version updated them in whatever order its
 * `group by` produced, and under load (the direct-conversation bench on PostgreSQL) it deadlocked
 * with a receipt write holding another sender's row: PostgreSQL aborted one of the two, and a
 * whole message batch fell back to one-by-one retries.
 *
 * The rest of the function is the second version's, unchanged.
 */
const UNORDERED = `  ), adv as (
    update chat.participants p
    set last_read_seq = greatest(p.last_read_seq, s.seq), last_delivered_seq = greatest(p.last_delivered_seq, s.seq)
    from (select ins.conversation_id, ins.sender_id, max(ins.seq) as seq from ins group by ins.conversation_id, ins.sender_id) s
    where p.conversation_id = s.conversation_id and p.user_id = s.sender_id
  ), ch as (`

const ORDERED = `  ), adv_locked as (
    -- Each sender's row, locked by a probe, in (conversation_id, user_id) order: the order of every
    -- writer of participant positions, so two of them never wait for each other.
    select s.conversation_id, s.sender_id, s.seq
    from (select ins.conversation_id, ins.sender_id, max(ins.seq) as seq from ins
          group by ins.conversation_id, ins.sender_id order by ins.conversation_id, ins.sender_id) s
    cross join lateral (select 1 from chat.participants p
      where p.conversation_id = s.conversation_id and p.user_id = s.sender_id limit 1 for update) l
  ), adv as (
    update chat.participants p
    set last_read_seq = greatest(p.last_read_seq, s.seq), last_delivered_seq = greatest(p.last_delivered_seq, s.seq)
    from adv_locked s
    where p.conversation_id = s.conversation_id and p.user_id = s.sender_id
  ), ch as (`

if (!INDEX_PROBES.includes(UNORDERED)) throw new Error('send_batch lock order: the second version changed; update this migration')
export const FUNCTION = INDEX_PROBES.replace(UNORDERED, ORDERED)

export async function up(db: Db): Promise<void> {
  await sql.raw(FUNCTION).execute(db)
  // CREATE OR REPLACE drops the function's SET options: scans stay off.
  await noSeqscan.up(db)
}

export async function down(db: Db): Promise<void> {
  await sql.raw(INDEX_PROBES).execute(db)
  await noSeqscan.up(db)
}
