import { type MessageWire, notifyDecision, type PushPayload } from '@parley/contracts'
import type { Logger } from 'pino'
import webpush from 'web-push'

import type { ChatDb, PushSubscriptionRow } from '../db/schema'
import {
  deleteSubscriptions,
  markDelivered,
  type PushCandidate,
  pushCandidates,
  subscriptionsOfUsers,
  type VapidPair,
} from './push.repository'

export interface PushSenderOptions {
  /** Push requests in flight at once (per node). */
  concurrency: number
  /** Messages waiting to be looked at; past it the oldest are dropped (pushes are best effort). */
  maxQueue: number
  /** Messages looked at per round (one recipients query, one subscriptions query). */
  batchSize: number
  /** How long a push service keeps an undelivered push (the Web Push TTL header). */
  ttlSeconds: number
  /** A push request that takes longer is abandoned. */
  requestTimeoutMs: number
  /** A node whose heartbeat is older holds no live socket (the presence TTL). */
  onlineTtlMs: number
  /** Called after each round with what happened to each message (tests and logs). */
  onRound?: (outcomes: PushOutcome[]) => void
}

/** What became of one message's pushes. */
export interface PushOutcome {
  messageId: string
  /** Users a push was accepted for by their push service. */
  pushed: string[]
  /** Users who were not pushed, and why (muted, do_not_disturb, online, not_for_me, failed). */
  skipped: Array<{ userId: string; reason: string }>
  /** Subscriptions deleted because the push service said they are gone (404/410). */
  removed: string[]
}

interface Delivery {
  outcome: PushOutcome
  userId: string
  subscription: PushSubscriptionRow
  payload: PushPayload
  topic: string
}

/** The members a message mentions (the server expands an admin's @here / @channel to all of them). */
function mentionedIds(m: MessageWire): string[] {
  return m.mentions
}

/**
 * Web Push for new messages, off the send path: {@link enqueue} only appends to a queue (the
 * writer calls it after COMMIT and the fan-out, before the acks, and it never waits), and one
 * background loop per node takes the queue in rounds: one query finds the members who could be
 * pushed (subscribed, not on a live socket) with their mute and DND, {@link notifyDecision}
 * picks who is notified, one query loads their subscriptions, and the pushes go out with bounded
 * concurrency. A subscription the push service calls gone (404/410) is deleted.
 */
export class PushSender {
  private queue: MessageWire[] = []
  private running?: Promise<void>
  private closed = false
  private vapid?: Promise<VapidPair>

  constructor(
    private readonly db: ChatDb,
    private readonly keys: () => Promise<VapidPair>,
    private readonly subject: string,
    private readonly log: Logger,
    private readonly options: PushSenderOptions,
  ) {}

  /** Queues committed messages for push; synchronous and cheap, never throws. */
  enqueue(messages: MessageWire[]): void {
    if (this.closed) return
    for (const m of messages) if (m.message_type !== 'system') this.queue.push(m)
    if (this.queue.length > this.options.maxQueue) {
      const dropped = this.queue.splice(0, this.queue.length - this.options.maxQueue)
      this.log.warn({ dropped: dropped.length }, 'push queue full: oldest messages not pushed')
    }
    if (!this.running && this.queue.length) this.running = this.loop()
  }

  /** Resolves once everything queued so far has been pushed (or skipped). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Stops taking messages; waits for the round in flight. */
  async close(): Promise<void> {
    this.closed = true
    this.queue = []
    await this.idle()
  }

  private async loop(): Promise<void> {
    // @NOTE Start on a later turn, so the writer's acks go out before any push work runs.
    await new Promise((resolve) => setImmediate(resolve))
    try {
      while (this.queue.length && !this.closed) {
        const round = this.queue.splice(0, this.options.batchSize)
        try {
          await this.round(round)
        } catch (err) {
          this.log.error({ err, messages: round.length }, 'push round failed')
        }
      }
    } finally {
      this.running = undefined
    }
  }

  private async round(messages: MessageWire[]): Promise<void> {
    const outcomes = messages.map((m): PushOutcome => ({
      messageId: m.id,
      pushed: [],
      skipped: [],
      removed: [],
    }))
    const candidates = await pushCandidates(
      this.db,
      [...new Set(messages.map((m) => m.conversation_id))],
      [...new Set(messages.flatMap(mentionedIds))],
      this.options.onlineTtlMs,
    )
    const byConversation = new Map<string, PushCandidate[]>()
    for (const c of candidates)
      byConversation.set(c.conversation_id, [...(byConversation.get(c.conversation_id) ?? []), c])

    const wanted: Array<{ outcome: PushOutcome; message: MessageWire; candidate: PushCandidate }> = []
    messages.forEach((message, i) => {
      for (const candidate of byConversation.get(message.conversation_id) ?? []) {
        const decision = notifyDecision(
          { userId: candidate.user_id, muted: candidate.muted },
          {
            senderId: message.sender_id,
            conversationType: candidate.conversation_type,
            messageType: message.message_type,
            mentions: message.mentions,
          },
          { doNotDisturb: candidate.do_not_disturb },
        )
        if (decision.reason === 'own') continue
        if (!decision.notify) outcomes[i].skipped.push({ userId: candidate.user_id, reason: decision.reason })
        else if (candidate.online) outcomes[i].skipped.push({ userId: candidate.user_id, reason: 'online' })
        else wanted.push({ outcome: outcomes[i], message, candidate })
      }
    })

    if (wanted.length) {
      const subscriptions = await subscriptionsOfUsers(this.db, [
        ...new Set(wanted.map((w) => w.candidate.user_id)),
      ])
      const byUser = new Map<string, PushSubscriptionRow[]>()
      for (const s of subscriptions) byUser.set(s.user_id, [...(byUser.get(s.user_id) ?? []), s])
      const deliveries: Delivery[] = wanted.flatMap(({ outcome, message, candidate }) =>
        (byUser.get(candidate.user_id) ?? []).map((subscription) => ({
          outcome,
          userId: candidate.user_id,
          subscription,
          payload: payloadOf(message, candidate),
          // @NOTE A newer push of the same conversation replaces one the device has not fetched yet.
          topic: message.conversation_id.replace(/-/g, ''),
        })),
      )
      await this.sendAll(deliveries)
    }
    this.options.onRound?.(outcomes)
  }

  private async sendAll(deliveries: Delivery[]): Promise<void> {
    const vapid = await (this.vapid ??= this.keys())
    const gone: string[] = []
    const delivered: string[] = []
    let next = 0
    const worker = async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]
        const status = await this.send(d, vapid)
        if (status === 404 || status === 410) {
          gone.push(d.subscription.id)
          d.outcome.removed.push(d.subscription.id)
        } else if (status >= 200 && status < 300) {
          delivered.push(d.subscription.id)
          if (!d.outcome.pushed.includes(d.userId)) d.outcome.pushed.push(d.userId)
        } else d.outcome.skipped.push({ userId: d.userId, reason: 'failed' })
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, deliveries.length) }, worker))
    await deleteSubscriptions(this.db, gone)
    await markDelivered(this.db, delivered)
    if (gone.length) this.log.info({ removed: gone.length }, 'push subscriptions gone')
  }

  /** One encrypted push (RFC 8291 aes128gcm, VAPID RFC 8292); answers the HTTP status, 0 when it failed. */
  private async send(d: Delivery, vapid: VapidPair): Promise<number> {
    try {
      const request = webpush.generateRequestDetails(
        {
          endpoint: d.subscription.endpoint,
          keys: { p256dh: d.subscription.p256dh, auth: d.subscription.auth },
        },
        JSON.stringify(d.payload),
        {
          vapidDetails: { subject: this.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
          TTL: this.options.ttlSeconds,
          urgency: 'high',
          topic: d.topic,
          contentEncoding: 'aes128gcm',
        },
      )
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers))
        if (name.toLowerCase() !== 'content-length') headers[name] = String(value)
      const res = await fetch(request.endpoint, {
        method: 'POST',
        headers,
        body: request.body ?? undefined,
        // @NOTE A push service never redirects; following one would let a subscription aim us elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      })
      await res.body?.cancel()
      if (res.status >= 300 && res.status !== 404 && res.status !== 410)
        this.log.warn({ status: res.status, subscriptionId: d.subscription.id }, 'push refused')
      return res.status
    } catch (err) {
      this.log.warn({ err, subscriptionId: d.subscription.id }, 'push failed')
      return 0
    }
  }
}

/** What the notification says: who wrote and where, never the text (see {@link PushPayload}). */
export function payloadOf(
  message: Pick<MessageWire, 'id' | 'conversation_id' | 'seq' | 'sender_name'>,
  where: Pick<PushCandidate, 'conversation_type' | 'conversation_name'>,
): PushPayload {
  const who = message.sender_name?.trim() || 'Someone'
  const direct = where.conversation_type === 'direct'
  return {
    type: 'message',
    conversation_id: message.conversation_id,
    message_id: message.id,
    seq: message.seq,
    title: direct ? who : `${who} in ${where.conversation_name ?? 'a conversation'}`,
    body: direct ? 'New message' : 'Mentioned you',
    url: `/chats/${message.conversation_id}`,
  }
}

/** A fresh VAPID key pair (base64url), for a server that has none configured. */
export function generateVapidPair(): VapidPair {
  return webpush.generateVAPIDKeys()
}
