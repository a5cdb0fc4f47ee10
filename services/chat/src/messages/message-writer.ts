import type { MessageType, MessageWire } from '@parley/contracts'
import { AppError, fieldError, newId } from '@parley/platform'
import type { Logger } from 'pino'

import type { ChatDb, MessageRow } from '../db/schema'
import { conversationNotFound, conversationReadOnly, notAllowed } from '../errors'
import { sendBatch } from './messages.repository'
import type { SendBatchStage } from './send-batch-metrics'

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
  /** When `send` was called (performance.now()). */
  queuedAt: number
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
  /** Told where each committed batch's time went (the service's metrics). */
  observe?(timings: BatchTimings): void
}

/** Where one batch's time went: its size, and milliseconds per stage (send-batch-metrics.ts). */
export interface BatchTimings {
  size: number
  ms: Record<SendBatchStage, number>
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
    if (this.closed)
      return Promise.reject(
        new AppError(503, 'service-unavailable', 'Service unavailable', 'The server is shutting down.'),
      )
    return new Promise((resolve, reject) => {
      this.queue.push({ req, queuedAt: performance.now(), resolve, reject })
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
    const started = performance.now()
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
    const committed = performance.now()
    const created = outcomes.filter((o): o is SendResult => !(o instanceof AppError) && o.created)
    try {
      if (created.length) {
        const wires = await this.options.onCommitted(created)
        created.forEach((r, i) => (r.message = wires[i]))
      }
    } catch (err) {
      this.log.error({ err }, 'fan-out after commit failed')
    }
    this.options.observe?.({
      size: batch.length,
      ms: {
        // The queue is in arrival order, and a batch takes the oldest sends it may.
        waited: started - batch[0].queuedAt,
        database: committed - started,
        publish: performance.now() - committed,
      },
    })
    batch.forEach((p, i) => {
      const o = outcomes[i]
      if (o instanceof AppError) p.reject(o)
      else p.resolve(o)
    })
  }

  /**
   * The whole batch is one call of `chat.send_batch` (db/functions.sql), a single statement and so
   * a single transaction and a single round trip, with or without attachments: dedupe, every rule,
   * seq allocation, insert, attachment links, sender positions and sync log, returning only
   * id/seq/created_at per new message. Per-item rule failures come back as AppErrors.
   */
  private async commit(reqs: SendRequest[]): Promise<Array<SendResult | AppError>> {
    const out = new Array<SendResult | AppError | undefined>(reqs.length)
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
    const rows = await sendBatch(
      this.db,
      items.map((r) => ({ ...r, id: newId() })),
    )
    for (const row of rows) {
      const k = row.o_i - 1
      const r = items[k]
      const i = fresh[k]
      switch (row.o_status) {
        case 'ok':
          out[i] = {
            row: {
              id: row.o_id,
              tenant_id: r.tenantId,
              conversation_id: r.conversationId,
              seq: Number(row.o_seq),
              sender_id: r.senderId,
              content: r.content,
              message_type: r.messageType,
              reply_to: r.replyTo,
              client_id: r.clientId,
              created_at: row.o_created_at,
              edited_at: null,
              deleted_at: null,
              mentions: row.o_mentions ?? [],
            },
            created: true,
            hasAttachments: r.attachmentIds.length > 0,
          }
          break
        case 'duplicate':
          out[i] = {
            row: {
              id: row.o_id,
              tenant_id: row.d_tenant_id!,
              conversation_id: row.d_conversation_id!,
              seq: Number(row.o_seq),
              sender_id: r.senderId,
              content: row.d_content!,
              message_type: row.d_message_type as MessageType,
              reply_to: row.d_reply_to,
              client_id: r.clientId,
              created_at: row.o_created_at,
              edited_at: row.d_edited_at,
              deleted_at: row.d_deleted_at,
              mentions: row.o_mentions ?? [],
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
        case 'bad_attachment':
          out[i] = fieldError(
            'attachment_ids',
            `Attachment ${row.o_bad_attachment} does not exist or is already used.`,
          )
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
}
