import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { ParticipantRow } from '../db/rows'
import type { RealtimeHub } from '../realtime/hub'

const CHUNK = 50
const RATIO = 9
const MAX_DELAY_MS = 1000

interface PendingReceipt {
  c: string
  u: string
  seq: number
  /** Authors of the messages this receipt covers; undefined = tell the whole conversation. */
  authors?: Set<string>
}

/**
 * Delivery positions, coalesced: many deliveries to one member in a short window become one
 * row update and one `delivery_receipt`, written off the send path. A receipt that comes from
 * live fan-out goes to the authors of the messages it covers (in a direct conversation, the
 * other member): a receipt to every member of a group would make each message cost
 * members² frames. Receipts from fetches (history, join, sync) still go to the conversation.
 */
export class DeliveryTracker {
  /** conversation → user → pending receipt: no key string per delivery on the hot path. */
  private pending = new Map<string, Map<string, PendingReceipt>>()
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>
  /** The wait before the next write: flushMs, or longer while writes are slow (see flush). */
  private delayMs: number

  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
    private readonly log: Logger,
    private readonly flushMs: number,
  ) {
    this.delayMs = flushMs
  }

  delivered(conversationId: string, userId: string, seq: number, authorId?: string) {
    let byUser = this.pending.get(conversationId)
    if (!byUser) this.pending.set(conversationId, (byUser = new Map()))
    const cur = byUser.get(userId)
    if (!cur) byUser.set(userId, { c: conversationId, u: userId, seq, authors: authorId ? new Set([authorId]) : undefined })
    else {
      if (cur.seq < seq) cur.seq = seq
      if (!authorId) cur.authors = undefined
      else cur.authors?.add(authorId)
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs)
      this.timer.unref()
    }
  }

  async flush(): Promise<void> {
    this.timer = undefined
    await this.flushing
    if (this.pending.size === 0) return
    const list: PendingReceipt[] = []
    for (const byUser of this.pending.values()) for (const r of byUser.values()) list.push(r)
    this.pending = new Map()
    // Same lock order on every node (fewer deadlocks between receipt writers).
    list.sort((x, y) => (x.c < y.c ? -1 : x.c > y.c ? 1 : x.u < y.u ? -1 : x.u > y.u ? 1 : 0))
    const started = performance.now()
    this.flushing = this.writeChunks(list)
      .catch((err) => this.log.warn({ err }, 'delivery receipts not written'))
      .finally(() => (this.flushing = undefined))
    await this.flushing
    // @NOTE Adaptive: under load the positions of a group's members change on every message, so
    // a write every 50 ms would rewrite every member row 20 times a second and take the database
    // from the messages (profile of fan-out: most of the PGlite thread). The next write waits
    // RATIO × the last one's duration (capped at 1 s), so receipts use at most ~1/(RATIO+1) (10 %)
    // of it; more deliveries then coalesce into one row per member. A receipt is then up to a
    // second late under heavy load, which a reader of ticks cannot tell from network delay.
    this.delayMs = Math.min(MAX_DELAY_MS, Math.max(this.flushMs, RATIO * (performance.now() - started)))
  }

  /** In chunks, so that a message batch waiting for the (single, on PGlite) session gets in between. */
  private async writeChunks(list: PendingReceipt[]) {
    for (let i = 0; i < list.length; i += CHUNK) await this.write(list.slice(i, i + CHUNK))
  }

  private async write(list: PendingReceipt[]) {
    // @NOTE One statement (one round trip, one transaction): the positions and their sync-log rows.
    // Committed asynchronously (`synchronous_commit = off` for this transaction only): nobody was
    // promised these rows are durable, and a COMMIT that waits for the WAL flush would hold the
    // member rows locked meanwhile, in the way of the message batches that move senders' positions.
    // A crash can lose the last moments of positions, which later deliveries or fetches move again.
    // The rows are locked by probes in (conversation_id, user_id) order (`list` is sorted), the order
    // in which chat.send_batch locks its senders' rows: without it the two deadlocked under load.
    const { rows } = await sql<Pick<ParticipantRow, 'conversation_id' | 'user_id' | 'last_delivered_seq'>>`with k as (
        select k.c, k.u, k.seq
        from unnest(${list.map((l) => l.c)}::uuid[], ${list.map((l) => l.u)}::uuid[], ${list.map((l) => l.seq)}::bigint[])
          as k(c, u, seq)
        cross join lateral (select 1 from chat.participants p
          where p.conversation_id = k.c and p.user_id = k.u and p.left_at is null and p.last_delivered_seq < k.seq
          limit 1 for update) l
      ), u as (
        update chat.participants p set last_delivered_seq = k.seq
        from k
        where p.conversation_id = k.c and p.user_id = k.u and p.last_delivered_seq < k.seq
        returning p.conversation_id, p.user_id, p.last_delivered_seq
      ), ch as (
        insert into chat.changes (conversation_id, type, data)
        select u.conversation_id, 'receipt.delivered', jsonb_build_object('user_id', u.user_id, 'up_to_seq', u.last_delivered_seq) from u
      )
      select u.* from u cross join (select set_config('synchronous_commit', 'off', true)) async_commit`.execute(this.db)
    if (!rows.length) return
    const sent = new Map<string, PendingReceipt>()
    for (const l of list) sent.set(`${l.c}|${l.u}`, l)
    for (const r of rows) {
      const receipt = { conversation_id: r.conversation_id, user_id: r.user_id, up_to_seq: Number(r.last_delivered_seq) }
      const authors = sent.get(`${r.conversation_id}|${r.user_id}`)?.authors
      if (!authors) this.hub.toConversation(r.conversation_id, 'delivery_receipt', receipt)
      else for (const author of authors) this.hub.toUser(author, 'delivery_receipt', receipt)
    }
  }

  async close() {
    clearTimeout(this.timer)
    await this.flush()
  }
}
