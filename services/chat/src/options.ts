import type { PushOutcome } from './notifications/push-sender'

/** Tunables of the chat service; defaults are the production values (SPEC section 6). */
export interface ChatOptions {
  /** Group commit: the most messages one transaction writes. */
  batchMaxSize: number
  /**
   * Group-commit transactions in flight at once, on both engines. While one commits,
   * the next batch gathers every send that arrives, so under load batches grow instead of
   * multiplying: on PostgreSQL 1:1 traffic cost ~30 % less CPU per message than with 4 in flight,
   * and both (a) and (b) delivered more (docs/benchmarks/engineering-log.md, session of 2026-12-06, late).
   */
  maxInFlightBatches: number
  /** The server ends a typing indicator itself this long after the last start_typing. */
  typingTtlMs: number
  /** Frames per second per connection and burst; undefined follows RATE_LIMITS (20/s, burst 40). */
  frameRate?: { perSecond: number; burst: number }
  /** Per-socket send buffer limit; past it the socket is closed with 1013. */
  maxBufferedBytes: number
  /** How long a closed socket's peer has to read what was queued and the close frame before it is dropped. */
  closeGraceMs: number
  maxPayloadBytes: number
  heartbeatMs: number
  /**
   * New messages are copied into the search index this often (searches never wait for it).
   * Fewer, larger copies: on PGlite every query shares one thread, and on
   * PostgreSQL 1:1 traffic's median ack came ~15 % sooner than with a copy every 200 ms
   * (docs/benchmarks/engineering-log.md, session of 2026-12-06, late).
   */
  searchIndexMs: number
  /** Delivery receipts are coalesced and written this often. */
  receiptFlushMs: number
  maxUploadBytes: number
  /** Each node refreshes its presence heartbeat and sweeps dead nodes this often. */
  presenceHeartbeatMs: number
  /** A node silent for this long is dead: its sockets stop counting and its users go offline. */
  presenceTtlMs: number
  /** Web Push requests in flight at once per node, and how long each may take. */
  pushConcurrency: number
  pushTimeoutMs: number
  /** How long a push service keeps a push for a device that is offline. */
  pushTtlSeconds: number
  /** Called after each push round with what happened to each message (tests observe it). */
  onPushRound?: (outcomes: PushOutcome[]) => void
}

export const defaultChatOptions: ChatOptions = {
  batchMaxSize: 256,
  maxInFlightBatches: 1,
  searchIndexMs: 1_000,
  typingTtlMs: 6_000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 2_000,
  maxPayloadBytes: 64 * 1024,
  heartbeatMs: 30_000,
  receiptFlushMs: 50,
  maxUploadBytes: 25 * 1024 * 1024,
  presenceHeartbeatMs: 10_000,
  presenceTtlMs: 30_000,
  pushConcurrency: 8,
  pushTimeoutMs: 10_000,
  pushTtlSeconds: 24 * 3600,
}
