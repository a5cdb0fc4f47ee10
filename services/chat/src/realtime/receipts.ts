import type { Db } from '@parley/platform'
import { sql } from 'kysely'
import type { Logger } from 'pino'
import { recordChanges } from '../sync/changes'
import type { ParticipantRow } from '../db/rows'
import type { RealtimeHub } from './hub'

/**
 * Delivery positions, coalesced: many deliveries to one member in a short window become one
 * row update and one `delivery_receipt`, written off the send path.
 */
export class DeliveryTracker {
  private pending = new Map<string, { c: string; u: string; seq: number }>()
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>

  constructor(
    private readonly db: Db,
    private readonly hub: RealtimeHub,
    private readonly log: Logger,
    private readonly flushMs: number,
  ) {}

  delivered(conversationId: string, userId: string, seq: number) {
    const key = `${conversationId}|${userId}`
    const cur = this.pending.get(key)
    if (cur && cur.seq >= seq) return
    this.pending.set(key, { c: conversationId, u: userId, seq })
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs)
      this.timer.unref()
    }
  }

  async flush(): Promise<void> {
    this.timer = undefined
    await this.flushing
    if (this.pending.size === 0) return
    const list = [...this.pending.values()]
    this.pending = new Map()
    this.flushing = this.write(list)
      .catch((err) => this.log.warn({ err }, 'delivery receipts not written'))
      .finally(() => (this.flushing = undefined))
    await this.flushing
  }

  private async write(list: Array<{ c: string; u: string; seq: number }>) {
    const { rows } = await sql<Pick<ParticipantRow, 'conversation_id' | 'user_id' | 'last_delivered_seq'>>`update chat.participants p set last_delivered_seq = k.seq
      from unnest(${list.map((l) => l.c)}::uuid[], ${list.map((l) => l.u)}::uuid[], ${list.map((l) => l.seq)}::bigint[]) as k(c, u, seq)
      where p.conversation_id = k.c and p.user_id = k.u and p.left_at is null and p.last_delivered_seq < k.seq
      returning p.conversation_id, p.user_id, p.last_delivered_seq`.execute(this.db)
    if (!rows.length) return
    await recordChanges(
      this.db,
      rows.map((r) => ({ conversationId: r.conversation_id, type: 'receipt.delivered', data: { user_id: r.user_id, up_to_seq: Number(r.last_delivered_seq) } })),
    )
    for (const r of rows) {
      this.hub.toConversation(r.conversation_id, 'delivery_receipt', {
        conversation_id: r.conversation_id,
        user_id: r.user_id,
        up_to_seq: Number(r.last_delivered_seq),
      })
    }
  }

  async close() {
    clearTimeout(this.timer)
    await this.flush()
  }
}
