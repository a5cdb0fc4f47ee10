import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'

import type { AnySchema } from './database'
import type { PgliteWorker } from './pglite-worker-client'

/** A FIFO lock: PGlite is one session, so one Kysely connection at a time holds it. */
class Mutex {
  private tail: Promise<void> = Promise.resolve()
  lock(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>((res) => (release = res))
    const ready = this.tail.then(() => release)
    this.tail = this.tail.then(() => next)
    return ready
  }
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly worker: PgliteWorker) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.worker.query(query.sql, query.parameters)
    const isWrite = /^\s*(insert|update|delete|merge)/i.test(query.sql)
    return {
      rows: result.rows as R[],
      ...(isWrite ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    }
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite')
  }
}

class PgliteDriver implements Driver {
  private readonly mutex = new Mutex()
  private readonly connection: PgliteConnection
  private readonly releases = new WeakMap<DatabaseConnection, () => void>()

  constructor(private readonly worker: PgliteWorker) {
    this.connection = new PgliteConnection(worker)
  }

  async init(): Promise<void> {
    await this.worker.ready
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock()
    this.releases.set(this.connection, release)
    return this.connection
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'))
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const release = this.releases.get(conn)
    this.releases.delete(conn)
    release?.()
  }

  async destroy(): Promise<void> {
    await this.worker.close()
  }
}

/** Kysely dialect for PGlite running in a worker thread. */
export class PgliteWorkerDialect implements Dialect {
  constructor(private readonly worker: PgliteWorker) {}
  createAdapter() {
    return new PostgresAdapter()
  }
  createDriver(): Driver {
    return new PgliteDriver(this.worker)
  }
  createIntrospector(db: Kysely<AnySchema>) {
    return new PostgresIntrospector(db)
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
}
