import type { MessageType, MessageWire } from '@parley/contracts'
import { AppError, fieldError, newId, transaction } from '@parley/platform'
import type { Logger } from 'pino'
import type { ChatDb, MessageRow } from '../db/schema'
import { conversationNotFound, conversationReadOnly, notAllowed } from '../errors'
import { recordChanges, type Change } from '../sync/sync.repository'
import {
  advanceSenders,
  allocateSeqs,
  conversationsOfMessages,
  insertMessages,
  linkAttachments,
  lockAttachments,
  sendBatch,
  senderMemberships,
  storedByClientIds,
  type SenderMembership,
} from './messages.repository'

export interface SendRequest {
  tenantId: string
  senderId: string
  conversationId: string
  content: string
  messageType: MessageType
  replyTo: string | null
  attachmentIds: string[]
  clientId: string | null
}

export interface SendResult {
  row: MessageRow
  /** False when a retried client_id returned the message stored the first time. */
  created: boolean
  hasAttachments?: boolean
  /** The message as the post-commit step presented (and published) it; the sender's ack reuses it. */
  message?: MessageWire
}

interface Pending {
  req: SendRequest
  resolve(result: SendResult): void
  reject(err: unknown): void
}

export interface WriterOptions {
  batchMaxSize: number
  maxInFlight: number
  /**
   * Runs after each commit with the batch's new messages, before the senders are answered
   * (present once, publish): answers their presented form, in order, for the acks.
   */
  onCommitted(results: SendResult[]): Promise<MessageWire[]>
}

/**
 * Group commit. Sends queue up while a transaction is in flight and the next transaction
 * writes them all: one seq allocation per conversation (`update ... set last_seq = last_seq + n`,
 * whose row lock serializes writers on every node, so seq stays gapless), one insert for the
 * batch. A conversation never has two batches in flight from this node, so this node publishes
 * its messages in seq order. Nobody is answered before COMMIT.
 */
export class MessageWriter {
  private queue: Pending[] = []
  private inFlight = 0
  private readonly busyConversations = new Set<string>()
  private scheduled = false
  private closed = false

  constructor(
    private readonly db: ChatDb,
    private readonly log: Logger,
    private readonly options: WriterOptions,
  ) {}

  send(req: SendRequest): Promise<SendResult> {
    if (this.closed) return Promise.reject(new AppError(503, 'service-unavailable', 'Service unavailable', 'The server is shutting down.'))
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject })
      this.schedule()
    })
  }

  async close() {
    this.closed = true
    while (this.queue.length || this.inFlight) await new Promise((r) => setTimeout(r, 5))
  }

  private schedule() {
    if (this.scheduled) return
    this.scheduled = true
    // @NOTE setImmediate, not a timer: sends arriving in the same I/O turn share a transaction, and
    // while one is in flight the queue grows by itself, so batching costs no added latency.
    setImmediate(() => {
      this.scheduled = false
      this.pump()
    })
  }

  private pump() {
    while (this.inFlight < this.options.maxInFlight && this.queue.length) {
      const batch: Pending[] = []
      const rest: Pending[] = []
      const claimed = new Set<string>()
      for (const p of this.queue) {
        const conv = p.req.conversationId
        if (batch.length < this.options.batchMaxSize && !this.busyConversations.has(conv)) {
          batch.push(p)
          claimed.add(conv)
        } else rest.push(p)
      }
      if (batch.length === 0) return
      this.queue = rest
      for (const c of claimed) this.busyConversations.add(c)
      this.inFlight++
      void this.run(batch).finally(() => {
        this.inFlight--
        for (const c of claimed) this.busyConversations.delete(c)
        if (this.queue.length) this.schedule()
      })
    }
  }

  private async run(batch: Pending[]) {
    let outcomes: Array<SendResult | AppError>
    try {
      outcomes = await this.commit(batch.map((p) => p.req))
    } catch (err) {
      if (batch.length === 1) {
        // A concurrent writer (another node) stored the same client_id first: one retry finds it.
        try {
          outcomes = await this.commit([batch[0].req])
        } catch (again) {
          batch[0].reject(again)
          return
        }
      } else {
        // @NOTE One bad item must not fail its neighbours: retry each alone.
        this.log.warn({ err, size: batch.length }, 'group commit failed; retrying items one by one')
        await Promise.all(batch.map((p) => this.run([p])))
        return
      }
    }
    const created = outcomes.filter((o): o is SendResult => !(o instanceof AppError) && o.created)
    try {
      if (created.length) {
        const wires = await this.options.onCommitted(created)
        created.forEach((r, i) => (r.message = wires[i]))
      }
    } catch (err) {
      this.log.error({ err }, 'fan-out after commit failed')
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]
      if (o instanceof AppError) p.reject(o)
      else p.resolve(o)
    })
  }

  /** One transaction for the batch; per-item rule failures come back as AppErrors. */
  private commit(reqs: SendRequest[]): Promise<Array<SendResult | AppError>> {
    return reqs.some((r) => r.attachmentIds.length > 0) ? this.commitWithAttachments(reqs) : this.commitOneStatement(reqs)
  }

  /**
   * The common case (no attachments): the whole batch is one call of `chat.send_batch` (migration
   * 20261210), a single statement and so a single transaction and a single round trip — dedupe,
   * rules, seq allocation, insert, sender positions and sync log — returning only id/seq/created_at
   * per new message. Its result arrives after COMMIT, like the multi-statement path's.
   */
  private async commitOneStatement(reqs: SendRequest[]): Promise<Array<SendResult | AppError>> {
    const out: Array<SendResult | AppError | undefined> = new Array(reqs.length)
    const key = (r: SendRequest) => `${r.senderId}|${r.clientId}`
    const firstOfKey = new Map<string, number>()
    const fresh: number[] = []
    reqs.forEach((r, i) => {
      if (r.clientId === null) return fresh.push(i)
      if (!firstOfKey.has(key(r))) {
        firstOfKey.set(key(r), i)
        fresh.push(i)
      }
    })
    const items = fresh.map((i) => reqs[i])
    const ids = items.map(() => newId())
    const rows = await sendBatch(this.db, items.map((r, k) => ({ ...r, id: ids[k] })))
    for (const row of rows) {
      const k = row.o_i - 1
      const r = items[k]
      const i = fresh[k]
      switch (row.o_status) {
        case 'ok':
          out[i] = {
            row: {
              id: row.o_id, tenant_id: r.tenantId, conversation_id: r.conversationId, seq: Number(row.o_seq), sender_id: r.senderId,
              content: r.content, message_type: r.messageType, reply_to: r.replyTo, client_id: r.clientId,
              created_at: row.o_created_at, edited_at: null, deleted_at: null,
            },
            created: true,
            hasAttachments: false,
          }
          break
        case 'duplicate':
          out[i] = {
            row: {
              id: row.o_id, tenant_id: row.d_tenant_id!, conversation_id: row.d_conversation_id!, seq: Number(row.o_seq), sender_id: r.senderId,
              content: row.d_content!, message_type: row.d_message_type as MessageType, reply_to: row.d_reply_to, client_id: r.clientId,
              created_at: row.o_created_at, edited_at: row.d_edited_at, deleted_at: row.d_deleted_at,
            },
            created: false,
          }
          break
        case 'not_found':
          out[i] = conversationNotFound(r.conversationId)
          break
        case 'read_only':
          out[i] = conversationReadOnly()
          break
        case 'not_allowed':
          out[i] = notAllowed('Only owners and admins post in a channel.')
          break
        default:
          out[i] = fieldError('reply_to', 'No such message in this conversation.')
      }
    }
    // Duplicates inside the batch answer whatever their first occurrence got.
    reqs.forEach((r, i) => {
      if (out[i] !== undefined) return
      const first = out[firstOfKey.get(key(r))!]
      out[i] = first instanceof AppError ? first : { row: (first as SendResult).row, created: false }
    })
    return out as Array<SendResult | AppError>
  }

  /** Batches with attachments: several statements in one transaction (attachments are locked and linked). */
  private async commitWithAttachments(reqs: SendRequest[]): Promise<Array<SendResult | AppError>> {
    return transaction(this.db, async (tx) => {
      const db = tx.db
      const out: Array<SendResult | AppError | undefined> = new Array(reqs.length)
      const key = (r: SendRequest) => `${r.senderId}|${r.clientId}`

      // 1. Idempotency: a client_id seen before (however long ago) answers the stored message.
      const withClientId = reqs.filter((r) => r.clientId !== null)
      const existing = new Map<string, MessageRow>()
      if (withClientId.length) {
        const rows = await storedByClientIds(db, withClientId.map((r) => ({ senderId: r.senderId, clientId: r.clientId! })))
        for (const r of rows) existing.set(`${r.sender_id}|${r.client_id}`, r)
      }
      const firstOfKey = new Map<string, number>()
      const fresh: number[] = []
      reqs.forEach((r, i) => {
        if (r.clientId === null) return fresh.push(i)
        const row = existing.get(key(r))
        if (row) out[i] = { row, created: false }
        else if (!firstOfKey.has(key(r))) {
          firstOfKey.set(key(r), i)
          fresh.push(i)
        }
      })

      // 2. Rules, checked in the same transaction that writes (membership may have just changed).
      const pairs = [...new Set(fresh.map((i) => `${reqs[i].conversationId}|${reqs[i].senderId}`))]
      const members = new Map<string, SenderMembership>()
      if (pairs.length) {
        const rows = await senderMemberships(db, pairs.map((p) => ({ conversationId: p.split('|')[0], userId: p.split('|')[1] })))
        for (const r of rows) members.set(`${r.conversation_id}|${r.user_id}`, r)
      }
      const replyIds = [...new Set(fresh.map((i) => reqs[i].replyTo).filter((x): x is string => !!x))]
      const replies = new Map<string, string>()
      if (replyIds.length) {
        const rows = await conversationsOfMessages(db, replyIds)
        for (const r of rows) replies.set(r.id, r.conversation_id)
      }
      const attachmentIds = [...new Set(fresh.flatMap((i) => reqs[i].attachmentIds))]
      const attachments = new Map<string, { uploader_id: string; message_id: string | null }>()
      if (attachmentIds.length) {
        const rows = await lockAttachments(db, attachmentIds)
        for (const r of rows) attachments.set(r.id, r)
      }
      const accepted: number[] = []
      const claimedAttachments = new Set<string>()
      for (const i of fresh) {
        const r = reqs[i]
        const m = members.get(`${r.conversationId}|${r.senderId}`)
        if (!m || m.tenant_id !== r.tenantId) out[i] = conversationNotFound(r.conversationId)
        else if (m.is_read_only) out[i] = conversationReadOnly()
        else if (m.type === 'channel' && m.role === 'member') out[i] = notAllowed('Only owners and admins post in a channel.')
        else if (r.replyTo && replies.get(r.replyTo) !== r.conversationId) out[i] = fieldError('reply_to', 'No such message in this conversation.')
        else {
          const bad = r.attachmentIds.find((a) => {
            const att = attachments.get(a)
            return !att || att.uploader_id !== r.senderId || att.message_id !== null || claimedAttachments.has(a)
          })
          if (bad) out[i] = fieldError('attachment_ids', `Attachment ${bad} does not exist or is already used.`)
          else {
            r.attachmentIds.forEach((a) => claimedAttachments.add(a))
            accepted.push(i)
          }
        }
      }

      // 3. Seq allocation for every conversation of the batch in one statement (not one round trip
      // per conversation). The row locks are first taken in id order, so two batches on
      // different nodes never deadlock.
      const byConversation = new Map<string, number[]>()
      for (const i of accepted) {
        const list = byConversation.get(reqs[i].conversationId) ?? []
        list.push(i)
        byConversation.set(reqs[i].conversationId, list)
      }
      const seqOf = new Map<number, number>()
      if (byConversation.size) {
        const lastSeq = await allocateSeqs(db, [...byConversation].map(([conversationId, list]) => ({ conversationId, n: list.length })))
        for (const [conversationId, items] of byConversation) {
          const first = lastSeq.get(conversationId)! - items.length + 1
          items.forEach((i, k) => seqOf.set(i, first + k))
        }
      }

      // 4. One insert for the batch, then attachments, the sender's own positions and the sync log.
      if (accepted.length) {
        const rows = await insertMessages(db, accepted.map((i) => ({ ...reqs[i], id: newId(), seq: seqOf.get(i)! })))
        const byKey = new Map(rows.map((row) => [`${row.conversation_id}|${row.seq}`, row]))
        for (const i of accepted) {
          const row = byKey.get(`${reqs[i].conversationId}|${seqOf.get(i)}`)!
          out[i] = { row, created: true, hasAttachments: reqs[i].attachmentIds.length > 0 }
        }
        await linkAttachments(
          db,
          accepted.flatMap((i) => reqs[i].attachmentIds.map((a) => ({ attachmentId: a, messageId: (out[i] as SendResult).row.id, conversationId: reqs[i].conversationId }))),
        )
        await advanceSenders(db, topPositions(accepted.map((i) => ({ conversationId: reqs[i].conversationId, userId: reqs[i].senderId, seq: seqOf.get(i)! }))))
        const changes: Change[] = accepted.map((i) => ({
          conversationId: reqs[i].conversationId,
          type: 'message.new',
          data: { message_id: (out[i] as SendResult).row.id, seq: seqOf.get(i) },
        }))
        await recordChanges(db, changes)
      }

      // Duplicates inside the batch answer whatever their first occurrence got.
      reqs.forEach((r, i) => {
        if (out[i] !== undefined) return
        const first = out[firstOfKey.get(key(r))!]
        out[i] = first instanceof AppError ? first : { row: (first as SendResult).row, created: false }
      })
      return out as Array<SendResult | AppError>
    })
  }
}

/** Each sender's highest new seq per conversation (their own positions move to it). */
function topPositions(items: Array<{ conversationId: string; userId: string; seq: number }>) {
  const top = new Map<string, { conversationId: string; userId: string; seq: number }>()
  for (const it of items) {
    const k = `${it.conversationId}|${it.userId}`
    if ((top.get(k)?.seq ?? -1) < it.seq) top.set(k, it)
  }
  return [...top.values()]
}
