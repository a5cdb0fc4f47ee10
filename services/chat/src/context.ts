import type {
  Config,
  EventBus,
  Fanout,
  FileStorage,
  Platform,
  SessionRevocations,
  TokenVerifier,
} from '@parley/platform'
import type { Logger } from 'pino'
import { Counter, Gauge, Histogram } from 'prom-client'

import { blocksOf } from './contacts/contacts.repository'
import { type ChatDb, chatDb } from './db/schema'
import type { MessageWriter } from './messages/message-writer'
import { createMessageWriter, newMessageFrames } from './messages/messages.service'
import { SEND_BATCH_MESSAGES, SEND_BATCH_SECONDS, SEND_BATCH_STAGES } from './messages/send-batch-metrics'
import type { VapidPair } from './notifications/push.repository'
import { vapidSource } from './notifications/push.service'
import { PushSender } from './notifications/push-sender'
import type { ChatOptions } from './options'
import { lastSeqsOf, membershipsOf } from './participants/participants.repository'
import { PresenceService } from './presence/presence.service'
import { RealtimeHub } from './realtime/hub'
import { DeliveryTracker } from './receipts/delivery-tracker'
import { SearchIndexer } from './search/search-indexer'
import { TypingTracker } from './typing/typing.service'
import { UserDirectory } from './users/users'

export interface ChatMetrics {
  connections: Gauge
  sent: Counter
  delivered: Counter
  fanoutLag: Histogram
  slowConsumers: Counter
  /** Per group-commit batch, by stage (messages/send-batch-metrics.ts). */
  sendBatchSeconds: Histogram<'stage'>
  sendBatchMessages: Histogram
}

/**
 * What the chat service is made of, by name; built once per service instance. Each domain
 * declares the part it uses (`MessagesDeps`, `ParticipantsDeps`, ...), which this satisfies.
 */
export interface ChatContext {
  db: ChatDb
  bus: EventBus
  fanout: Fanout
  storage: FileStorage
  config: Config
  revocations: SessionRevocations
  verifier: TokenVerifier
  options: ChatOptions
  log: Logger
  metrics: ChatMetrics
  users: UserDirectory
  hub: RealtimeHub
  writer: MessageWriter
  delivery: DeliveryTracker
  /** Copies new messages into the search index, off the send path. */
  searchIndex: SearchIndexer
  typing: TypingTracker
  presence: PresenceService
  /** Web Push for new messages, off the send path. */
  push: PushSender
  vapidKeys: () => Promise<VapidPair>
  isProduction: boolean
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
      new Counter({
        name: 'parley_chat_messages_delivered_total',
        help: 'Message frames handed to member sockets',
        registers,
      }),
    slowConsumers:
      (existing('parley_ws_slow_consumer_closes_total') as Counter) ??
      new Counter({
        name: 'parley_ws_slow_consumer_closes_total',
        help: 'Sockets closed with 1013 for a full send buffer',
        registers,
      }),
    fanoutLag:
      (existing('parley_chat_fanout_lag_seconds') as Histogram) ??
      new Histogram({
        name: 'parley_chat_fanout_lag_seconds',
        help: 'Time from commit to local socket send',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    sendBatchSeconds:
      (existing(SEND_BATCH_SECONDS) as Histogram<'stage'>) ??
      new Histogram({
        name: SEND_BATCH_SECONDS,
        help: 'Per message batch: how long its oldest send waited for it (waited), the database call with its commit (database), presenting and publishing (publish)',
        labelNames: ['stage'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    sendBatchMessages:
      (existing(SEND_BATCH_MESSAGES) as Histogram) ??
      new Histogram({
        name: SEND_BATCH_MESSAGES,
        help: 'Messages per group-commit batch',
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
        registers,
      }),
  }
}

export function createChatContext(platform: Platform, options: ChatOptions): ChatContext {
  const db = chatDb(platform.db)
  const log = platform.log.child({ name: 'chat' })
  const metrics = chatMetrics(platform)
  const users = new UserDirectory(db)
  const hub = new RealtimeHub(
    (userIds) => membershipsOf(db, userIds),
    platform.fanout,
    log.child({ name: 'chat:fanout' }),
    {
      onDelivered: (conversationId, userId, seq, senderId) => {
        metrics.delivered.inc()
        delivery.delivered(conversationId, userId, seq, senderId)
      },
      observeLag: (s) => metrics.fanoutLag.observe(s),
    },
    {
      lastSeqs: (ids) => lastSeqsOf(db, ids),
      messagesBetween: (id, from, to) => newMessageFrames({ db, users }, id, from, to),
    },
    (userIds) => blocksOf(db, userIds),
  )
  // @NOTE The hub's hook reaches `delivery` only once sockets exist, after this line has run.
  const delivery: DeliveryTracker = new DeliveryTracker(db, hub, log, options.receiptFlushMs)
  const typing = new TypingTracker(hub, options.typingTtlMs)
  const presence = new PresenceService(db, hub, platform.bus, log.child({ name: 'chat:presence' }), {
    heartbeatMs: options.presenceHeartbeatMs,
    ttlMs: options.presenceTtlMs,
  })
  const vapidKeys = vapidSource(db, platform.config.push)
  const push = new PushSender(
    db,
    vapidKeys,
    platform.config.push.vapidSubject,
    log.child({ name: 'chat:push' }),
    {
      concurrency: options.pushConcurrency,
      maxQueue: 10_000,
      batchSize: 100,
      ttlSeconds: options.pushTtlSeconds,
      requestTimeoutMs: options.pushTimeoutMs,
      onlineTtlMs: options.presenceTtlMs,
      onRound: options.onPushRound,
    },
  )
  const embedded = platform.database.kind === 'pglite'
  const searchIndex = new SearchIndexer(db, log.child({ name: 'chat:search-index' }), {
    intervalMs: options.searchIndexMs,
    conversationsPerTransaction: embedded ? 25 : 100,
    // On PostgreSQL the copy runs beside the sends, on a connection of its own: its bound only keeps
    // an edit of a busy conversation from waiting long for the copy's lock.
    messagesPerTransaction: embedded ? 250 : 5_000,
  })
  const writer = createMessageWriter(
    { db, users, hub, typing, metrics, push, searchIndex },
    log.child({ name: 'chat:writer' }),
    {
      batchMaxSize: options.batchMaxSize,
      maxInFlight: options.maxInFlightBatches,
      observe: (t) => {
        metrics.sendBatchMessages.observe(t.size)
        for (const stage of SEND_BATCH_STAGES) metrics.sendBatchSeconds.observe({ stage }, t.ms[stage] / 1000)
      },
    },
  )
  const stopListening = users.listen(platform.fanout)
  return {
    db,
    bus: platform.bus,
    fanout: platform.fanout,
    storage: platform.storage,
    config: platform.config,
    revocations: platform.revocations,
    verifier: platform.verifier,
    options,
    log,
    metrics,
    users,
    hub,
    writer,
    delivery,
    searchIndex,
    typing,
    presence,
    push,
    vapidKeys,
    isProduction: platform.config.isProduction,
    async close() {
      stopListening()
      await writer.close()
      await push.close()
      await delivery.close()
      await searchIndex.close()
      typing.close()
      await presence.close()
      hub.close()
    },
  }
}
