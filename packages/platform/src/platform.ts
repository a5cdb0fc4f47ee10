import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { DestinationStream, Logger } from 'pino'
import type { Config } from './config'
import { InMemoryRateCounters, type RateCounters } from './counters'
import { openDatabase, type Database, type Db } from './db/database'
import { InProcessBus, type EventBus } from './bus/bus'
import { InProcessFanout, type Fanout } from './fanout'
import { InMemoryRevocations, type SessionRevocations } from './jwt/revocations'
import { TokenVerifier } from './jwt/verifier'
import { createLogger } from './logger'
import { PlatformMailer, type Mailer } from './mailer'
import { createMetrics, type Metrics } from './metrics'
import { LocalDiskStorage, type FileStorage } from './storage'

/** Everything a service may depend on. Services never construct these themselves. */
export interface Platform {
  config: Config
  log: Logger
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
  /** Extra readiness checks (e.g. Redis); the database and bus are always checked. */
  readinessChecks: Array<() => Promise<void>>
  close(): Promise<void>
}

export interface PlatformOptions {
  logDestination?: DestinationStream
  /** Reuse an open database (tests share one per file). */
  database?: Database
}

/** Opens the database and builds the shared runtime for the mode the config describes. */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const log = createLogger({ level: config.log.level, destination: options.logDestination })
  const ownsDatabase = !options.database
  const database =
    options.database ?? (await openDatabase({ url: config.db.url, dataDir: config.db.url ? undefined : config.dataDir }))
  mkdirSync(config.dataDir, { recursive: true })
  const revocations = new InMemoryRevocations()
  const bus = new InProcessBus(database.db, log.child({ name: 'bus' }))
  const fanout = new InProcessFanout()
  const platform: Platform = {
    config,
    log,
    database,
    db: database.db,
    bus,
    fanout,
    revocations,
    verifier: new TokenVerifier(revocations, config.jwt.jwksUrl),
    storage: new LocalDiskStorage(join(config.dataDir, 'files')),
    mailer: new PlatformMailer(
      {
        smtpUrl: config.mail.smtpUrl,
        from: config.mail.from,
        logMails: !config.isProduction,
        keepOutbox: !config.isProduction,
      },
      log.child({ name: 'mailer' }),
    ),
    counters: new InMemoryRateCounters(),
    metrics: createMetrics(),
    readinessChecks: [],
    async close() {
      await bus.stop()
      await fanout.close()
      await revocations.close()
      if (ownsDatabase) await database.close()
    },
  }
  return platform
}

export type { DestinationStream }
