import { mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

import type { Redis } from 'ioredis'
import type { DestinationStream, Logger } from 'pino'

import { type EventBus, InProcessBus } from './bus/bus'
import type { Config } from './config'
import { InMemoryRateCounters, type RateCounters } from './counters'
import { type Database, type Db, openDatabase } from './db/database'
import type { EmbeddedStart } from './db/embedded-start'
import { type Fanout, InProcessFanout } from './fanout'
import { newId } from './ids'
import { InMemoryRevocations, type SessionRevocations } from './jwt/revocations'
import { TokenVerifier } from './jwt/verifier'
import { createLogger } from './logger'
import { type Mailer, PlatformMailer } from './mailer'
import { busObserverOf, createMetrics, type Metrics } from './metrics'
import { type FileStorage, LocalDiskStorage } from './storage'
import type { S3Storage } from './storage-s3'

/** Everything a service may depend on. Services never construct these themselves. */
export interface Platform {
  config: Config
  log: Logger
  /** This process's name among the nodes (Redis consumer name, logs). */
  nodeId: string
  database: Database
  db: Db
  bus: EventBus
  fanout: Fanout
  revocations: SessionRevocations
  verifier: TokenVerifier
  storage: FileStorage
  mailer: Mailer
  counters: RateCounters
  metrics: Metrics
  /** The shared Redis command connection when REDIS_URL is set (rate-limit store, readiness). */
  redis?: Redis
  /** Extra readiness checks (e.g. Redis); the database and bus are always checked. */
  readinessChecks: Array<() => Promise<void>>
  /** True once shutdown has begun: `/ready` answers 503 so that proxies stop sending new work. */
  readonly draining: boolean
  /** Marks the node as draining (idempotent). `Server_.close()` calls it first. */
  beginShutdown(): void
  close(): Promise<void>
}

export interface PlatformOptions {
  logDestination?: DestinationStream
  /** Reuse an open database (tests share one per file). */
  database?: Database
  /** PGlite already started on config.dataDir (`parley start` starts it first); the platform owns it. */
  embedded?: EmbeddedStart
  /** Distributed-bus tuning (tests shorten the claim time of dead consumers' events). */
  bus?: { claimIdleMs?: number; maxAttempts?: number }
}

/** Opens the database and builds the shared runtime for the mode the config describes. */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const log = createLogger({ level: config.log.level, destination: options.logDestination })
  const nodeId = `${hostname()}-${process.pid}-${newId().slice(-6)}`
  const ownsDatabase = !options.database
  const database =
    options.database ??
    (await openDatabase({
      url: config.db.url,
      prepare: config.db.prepare,
      dataDir: config.db.url ? undefined : config.dataDir,
      started: config.db.url ? undefined : options.embedded,
      maintenanceLog: log.child({ name: 'db' }),
    }))
  mkdirSync(config.dataDir, { recursive: true })
  const metrics = createMetrics()
  const readinessChecks: Array<() => Promise<void>> = []

  // @NOTE Redis, S3 and their clients load only when configured: embedded mode starts faster without them.
  const distributed = config.redis.url
    ? await (
        await import('./redis/distributed')
      ).openDistributed(config, config.redis.url, { log, nodeId, db: database.db, metrics, bus: options.bus })
    : undefined
  if (distributed) {
    const redis = distributed.redis
    readinessChecks.push(async () => {
      if ((await redis.ping()) !== 'PONG') throw new Error('redis did not answer PONG')
    })
  }
  const revocations = distributed?.revocations ?? new InMemoryRevocations()
  const bus =
    distributed?.bus ?? new InProcessBus(database.db, log.child({ name: 'bus' }), busObserverOf(metrics))
  const fanout = distributed?.fanout ?? new InProcessFanout()

  let storage: FileStorage
  let s3: S3Storage | undefined
  if (config.s3) {
    s3 = new (await import('./storage-s3')).S3Storage(config.s3)
    await s3
      .ensureBucket()
      .catch((err: Error) =>
        log.warn({ err: { message: err.message } }, 'object storage unreachable at start'),
      )
    readinessChecks.push(() => s3!.ping())
    storage = s3
  } else {
    storage = new LocalDiskStorage(join(config.dataDir, 'files'))
  }

  let draining = false
  const platform: Platform = {
    config,
    log,
    nodeId,
    database,
    db: database.db,
    bus,
    fanout,
    revocations,
    verifier: new TokenVerifier(revocations, config.jwt.jwksUrl),
    storage,
    mailer: new PlatformMailer(
      {
        smtpUrl: config.mail.smtpUrl,
        from: config.mail.from,
        logMails: !config.isProduction,
        keepOutbox: !config.isProduction,
      },
      log.child({ name: 'mailer' }),
    ),
    counters: distributed?.counters ?? new InMemoryRateCounters(),
    metrics,
    redis: distributed?.redis,
    readinessChecks,
    get draining() {
      return draining
    },
    beginShutdown() {
      if (!draining) log.info({ nodeId }, 'draining: readiness is now false')
      draining = true
    },
    async close() {
      draining = true
      await bus.stop()
      await fanout.close()
      await revocations.close()
      await distributed?.close()
      s3?.close()
      if (ownsDatabase) await database.close()
    },
  }
  return platform
}

export type { DestinationStream }
