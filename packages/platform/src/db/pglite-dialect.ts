import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  type PostgresCursor,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'

import {
  AUTO_PREPARE,
  AutoPreparingClient,
  HotStatements,
  type PgClient,
  type PgResult,
} from './auto-prepare'
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

/**
 * The PGlite thread's one session as the `pg` client that auto-prepare drives, so that hot
 * statements are named and planned once here as they are on PostgreSQL (auto-prepare.ts).
 */
class PgliteSession implements PgClient {
  constructor(private readonly worker: PgliteWorker) {}

  query(config: { name?: string; text: string; values: unknown[] }): Promise<PgResult>
  query(text: string, values: unknown[]): Promise<PgResult>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query(
    statement: { name?: string; text: string; values: unknown[] } | string | PostgresCursor<unknown>,
    values: unknown[] = [],
  ): Promise<PgResult> | PostgresCursor<unknown> {
    if (typeof statement === 'string') return this.#run(statement, values)
    if ('text' in statement) return this.#run(statement.text, statement.values, statement.name)
    throw new Error('streaming is not supported on PGlite')
  }

  async #run(text: string, values: unknown[], name?: string): Promise<PgResult> {
    const { rows, affectedRows } = await this.worker.query(text, values, name)
    return { command: '', rowCount: affectedRows, rows }
  }

  release(): void {}
}

/** Runs one statement on the session, named or not. */
type RunStatement = (
  text: string,
  values: readonly unknown[],
) => Promise<{ rows: unknown[]; rowCount: number | null }>

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly run: RunStatement) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.run(query.sql, query.parameters)
    const isWrite = /^\s*(insert|update|delete|merge)/i.test(query.sql)
    return {
      rows: result.rows as R[],
      ...(isWrite ? { numAffectedRows: BigInt(result.rowCount ?? 0) } : {}),
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

  constructor(
    private readonly worker: PgliteWorker,
    prepare: boolean,
  ) {
    const session = new PgliteSession(worker)
    const preparing = prepare
      ? new AutoPreparingClient(session, new HotStatements(AUTO_PREPARE), AUTO_PREPARE)
      : undefined
    this.connection = new PgliteConnection((text, values) =>
      preparing ? preparing.query(text, values) : session.query(text, [...values]),
    )
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
  constructor(
    private readonly worker: PgliteWorker,
    /** Send hot statements as named ones (auto-prepare.ts); default true. */
    private readonly options: { prepare?: boolean } = {},
  ) {}
  createAdapter() {
    return new PostgresAdapter()
  }
  createDriver(): Driver {
    return new PgliteDriver(this.worker, this.options.prepare !== false)
  }
  createIntrospector(db: Kysely<AnySchema>) {
    return new PostgresIntrospector(db)
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
}
