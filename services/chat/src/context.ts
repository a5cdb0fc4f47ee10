import type { MessageWire } from '@parley/contracts'
import type { Platform } from '@parley/platform'
import { Counter, Gauge, Histogram } from 'prom-client'
import type { Logger } from 'pino'
import type { AttachmentUrls } from './attachments/attachments.urls'
import { MessageWriter, type SendResult } from './messages/message-writer'
import { presentMessages } from './messages/messages.presenter'
import type { ChatOptions } from './options'
import { PresenceService } from './presence/presence.service'
import { frame, RealtimeHub } from './realtime/hub'
import { DeliveryTracker } from './receipts/delivery-tracker'
import { TypingTracker } from './typing/typing.service'
import { UserDirectory } from './users/users'

export interface ChatMetrics {
  connections: Gauge
  sent: Counter
  delivered: Counter
  fanoutLag: Histogram
  slowConsumers: Counter
}

/** The few dependencies the chat service's parts share; built once per service instance. */
export interface ChatContext {
  platform: Platform
  options: ChatOptions
  log: Logger
  users: UserDirectory
  hub: RealtimeHub
  writer: MessageWriter
  delivery: DeliveryTracker
  typing: TypingTracker
  presence: PresenceService
  metrics: ChatMetrics
  /** Signs attachment download URLs with this instance's key (two instances never share one). */
  attachmentUrls: AttachmentUrls
  /** Presented messages of the latest commits, keyed by id, so the sender's ack reuses them. */
  presented: WeakMap<SendResult, MessageWire>
  close(): Promise<void>
}

function chatMetrics(platform: Platform): ChatMetrics {
  const registers = [platform.metrics.registry]
  const existing = (name: string) => platform.metrics.registry.getSingleMetric(name)
  return {
    connections:
      (existing('parley_ws_connections') as Gauge) ??
      new Gauge({ name: 'parley_ws_connections', help: 'Open chat WebSocket connections', registers }),
    sent:
      (existing('parley_chat_messages_sent_total') as Counter) ??
      new Counter({ name: 'parley_chat_messages_sent_total', help: 'Messages stored', registers }),
    delivered:
      (existing('parley_chat_messages_delivered_total') as Counter) ??
      new Counter({ name: 'parley_chat_messages_delivered_total', help: 'Message frames handed to member sockets', registers }),
    slowConsumers:
      (existing('parley_ws_slow_consumer_closes_total') as Counter) ??
      new Counter({ name: 'parley_ws_slow_consumer_closes_total', help: 'Sockets closed with 1013 for a full send buffer', registers }),
    fanoutLag:
      (existing('parley_chat_fanout_lag_seconds') as Histogram) ??
      new Histogram({
        name: 'parley_chat_fanout_lag_seconds',
        help: 'Time from commit to local socket send',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
  }
}

export function createChatContext(platform: Platform, options: ChatOptions, attachmentUrls: AttachmentUrls): ChatContext {
  const log = platform.log.child({ name: 'chat' })
  const metrics = chatMetrics(platform)
  const users = new UserDirectory(platform.db)
  const hub = new RealtimeHub(platform.db, platform.fanout, log.child({ name: 'chat:fanout' }), {
    onDelivered: (conversationId, userId, seq, senderId) => {
      metrics.delivered.inc()
      delivery.delivered(conversationId, userId, seq, senderId)
    },
    observeLag: (s) => metrics.fanoutLag.observe(s),
  })
  // @NOTE The hub's hook reaches `delivery` only once sockets exist, after this line has run.
  const delivery: DeliveryTracker = new DeliveryTracker(platform.db, hub, log, options.receiptFlushMs)
  const typing = new TypingTracker(hub, options.typingTtlMs)
  const presented = new WeakMap<SendResult, MessageWire>()
  const presence = new PresenceService(platform.db, hub, platform.bus, log.child({ name: 'chat:presence' }), {
    heartbeatMs: options.presenceHeartbeatMs,
    ttlMs: options.presenceTtlMs,
  })
  const writer = new MessageWriter(platform.db, log.child({ name: 'chat:writer' }), {
    batchMaxSize: options.batchMaxSize,
    maxInFlight: options.maxInFlightBatches ?? (platform.database.kind === 'pglite' ? 1 : 4),
    async onCommitted(results) {
      const needsDetails = results.some((r) => r.hasAttachments)
      const wires = await presentMessages({ platform, users, attachmentUrls }, results.map((r) => r.row), { withDetails: needsDetails })
      results.forEach((r, i) => {
        presented.set(r, wires[i])
        metrics.sent.inc()
        typing.stopSilently(r.row.conversation_id, r.row.sender_id)
        hub.publishMessage(r.row.conversation_id, r.row.seq, r.row.sender_id, frame('new_message', { message: wires[i] }))
      })
    },
  })
  return {
    platform,
    options,
    log,
    users,
    hub,
    writer,
    delivery,
    typing,
    presence,
    metrics,
    attachmentUrls,
    presented,
    async close() {
      await writer.close()
      await delivery.close()
      typing.close()
      await presence.close()
      hub.close()
    },
  }
}
