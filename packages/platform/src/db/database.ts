import { Kysely, PostgresDialect, sql } from 'kysely'

import { autoPreparingPool } from './auto-prepare'
import { EmbeddedDatabaseError, type EmbeddedStart, startEmbedded } from './embedded-start'
import {
  DEFAULT_MAINTENANCE,
  EmbeddedMaintenance,
  type MaintenanceLog,
  type MaintenanceOptions,
} from './maintenance'
import { PgliteWorkerDialect } from './pglite-dialect'
import type { PgliteWorker } from './pglite-worker-client'

/**
 * Table types differ per service, so the platform hands out an untyped handle; a service may
 * narrow it (`platform.db as Kysely<ChatTables>`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped schema; see above
export type AnySchema = any
export type Db = Kysely<AnySchema>

/** A database handle: the Kysely instance plus what the platform needs to run and stop it. */
export interface Database {
  readonly db: Db
  readonly kind: 'pglite' | 'postgres'
  /** The PGlite thread, when embedded (tests dump a migrated template from it). */
  readonly pglite?: PgliteWorker
  /** PGlite's stand-in for autovacuum (embedded only; PostgreSQL runs its own). */
  readonly maintenance?: EmbeddedMaintenance
  ping(): Promise<void>
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** PostgreSQL URL; without it, PGlite is used. */
  url?: string
  /** PGlite data directory; undefined means in memory. */
  dataDir?: string
  /** A PGlite data directory tarball to start from (tests clone a migrated template). */
  template?: ArrayBuffer
  poolSize?: number
  /** Send hot statements as prepared ones (auto-prepare.ts), on PostgreSQL and on PGlite; default true. */
  prepare?: boolean
  /** Embedded only: when to analyze and vacuum (see maintenance.ts); false turns it off. */
  maintenance?: MaintenanceOptions | false
  /** Where maintenance passes are reported (the platform's logger). */
  maintenanceLog?: MaintenanceLog
  /** PGlite already started for `dataDir` (see startEmbedded); the database takes it over. */
  started?: EmbeddedStart
}

/** Opens PostgreSQL (with a URL) or PGlite (embedded, on its own thread). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // @NOTE Loaded only for PostgreSQL, so embedded mode starts without it.
    const { default: pg } = await import('pg')
    // Same value types on both engines: int8 (counts, seqs) as numbers, numeric as strings.
    pg.types.setTypeParser(20, (value) => Number(value))
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // @NOTE Short, so a request fails fast with 503 while PostgreSQL is away instead of queueing for the pool.
      connectionTimeoutMillis: 2_000,
    })
    // @NOTE A client losing its server emits 'error': on the pool while idle, on the client itself
    // while checked out (mid-transaction). Without listeners either one crashes the process; the
    // failed query still rejects, which is how callers learn of the outage (503 / error frame).
    pool.on('error', () => {})
    pool.on('connect', (client) => client.on('error', () => {}))
    const db: Db = new Kysely<AnySchema>({
      dialect: new PostgresDialect({ pool: options.prepare === false ? pool : autoPreparingPool(pool) }),
    })
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await sql`select 1`.execute(db)
      },
      close: () => db.destroy(),
    }
  }
  const { worker, unlock } =
    options.started ?? startEmbedded({ dataDir: options.dataDir, template: options.template })
  try {
    await worker.ready
  } catch (err) {
    unlock()
    await worker.close().catch(() => {})
    throw new EmbeddedDatabaseError(options.dataDir, err)
  }
  const db: Db = new Kysely<AnySchema>({
    dialect: new PgliteWorkerDialect(worker, { prepare: options.prepare }),
  })
  const maintenance =
    options.maintenance === false
      ? undefined
      : new EmbeddedMaintenance(db, options.maintenance ?? DEFAULT_MAINTENANCE, options.maintenanceLog)
  maintenance?.start()
  return {
    db,
    kind: 'pglite',
    pglite: worker,
    maintenance,
    ping: async () => {
      await worker.query('select 1')
    },
    close: async () => {
      try {
        await maintenance?.close()
        await db.destroy()
      } finally {
        unlock()
      }
    },
  }
}
