import type { Logger } from 'pino'

import type { ChatDb } from '../db/schema'
import type { RealtimeHub } from '../realtime/hub'
import { advanceDelivered } from './receipts.repository'

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
    private readonly db: ChatDb,
    private readonly hub: RealtimeHub,
    private readonly log: Logger,
    private readonly flushMs: number,
  ) {
    this.delayMs = flushMs
  }

  delivered(conversationId: string, userId: string, seq: number, authorId?: string) {
    let byUser = this.pending.get(conversationId)
    if (!byUser) this.pending.set(conversationId, (byUser = new Map<string, PendingReceipt>()))
    const cur = byUser.get(userId)
    if (!cur)
      byUser.set(userId, {
        c: conversationId,
        u: userId,
        seq,
        authors: authorId ? new Set([authorId]) : undefined,
      })
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
    const rows = await advanceDelivered(this.db, list)
    if (!rows.length) return
    const sent = new Map<string, PendingReceipt>()
    for (const l of list) sent.set(`${l.c}|${l.u}`, l)
    for (const r of rows) {
      const receipt = {
        conversation_id: r.conversation_id,
        user_id: r.user_id,
        up_to_seq: Number(r.last_delivered_seq),
      }
      const authors = sent.get(`${r.conversation_id}|${r.user_id}`)?.authors
      if (!authors) this.hub.toConversation(r.conversation_id, 'delivery_receipt', receipt, r.user_id)
      else for (const author of authors) this.hub.toUser(author, 'delivery_receipt', receipt, r.user_id)
    }
  }

  async close() {
    clearTimeout(this.timer)
    await this.flush()
  }
}
