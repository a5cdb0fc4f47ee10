import { createHash } from 'node:crypto'

import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'

/**
 * Auto-prepare on PostgreSQL: once a parameterized statement text has run `after` times in a pool,
 * every connection sends it as a named statement, so PostgreSQL parses, analyzes and (once it has
 * settled on a generic plan) plans it once per connection instead of on every call. Kysely sends
 * every query unnamed, and in 1:1 traffic parse, analysis and planning were ~6.6 % of PostgreSQL's
 * CPU (docs/benchmarks/engineering-log.md, perf profile of 2026-12-06). Npgsql's auto-prepare is the model.
 *
 * Only texts with parameters: pg sends a parameterless text (`begin`, DDL, a migration of several
 * statements) over the simple protocol, which a named statement would replace by the extended one.
 */
export interface AutoPrepareLimits {
  /** Runs of one text, pool-wide, before it is prepared. */
  after: number
  /** Named statements per connection; past it, further hot texts run unnamed on that connection. */
  perConnection: number
  /** Cold texts counted at once; past it the counts start over (Kysely's `in (…)` lists make many). */
  tracked: number
}

export const AUTO_PREPARE: AutoPrepareLimits = { after: 5, perConnection: 200, tracked: 5_000 }

/** What a `pg` query answers, as far as Kysely reads it. */
export interface PgResult {
  command: string
  rowCount: number | null
  rows: unknown[]
}

/** The part of a `pg` pool client auto-prepare drives. */
export interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<PgResult>
  query(text: string, values: unknown[]): Promise<PgResult>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  release(): void
}

/** The part of a `pg` pool auto-prepare drives. */
export interface PgPool<C extends PgClient> {
  connect(): Promise<C>
  end(): Promise<void>
}

/** Pool-wide: how often each text has run, and the statement name of each hot one. */
export class HotStatements {
  readonly #uses = new Map<string, number>()
  readonly #names = new Map<string, string>()
  #generation = 0

  constructor(private readonly limits: AutoPrepareLimits) {}

  /** Counts one run of `text`; its statement name once it is hot, else undefined. */
  nameFor(text: string): string | undefined {
    const name = this.#names.get(text)
    if (name) return name
    const uses = (this.#uses.get(text) ?? 0) + 1
    if (uses < this.limits.after) {
      if (this.#uses.size >= this.limits.tracked) this.#uses.clear()
      this.#uses.set(text, uses)
      return undefined
    }
    this.#uses.delete(text)
    return this.#name(text)
  }

  /**
   * A new name for `text`: its statement went stale on every connection that prepared it (a
   * migration changed the columns it answers), and PostgreSQL refuses the old one from then on.
   */
  renew(text: string): string {
    this.#generation += 1
    return this.#name(text)
  }

  #name(text: string): string {
    const digest = createHash('sha1').update(`${this.#generation}\0${text}`).digest('hex')
    const name = `parley_${digest.slice(0, 20)}`
    this.#names.set(text, name)
    return name
  }
}

/**
 * SQLSTATEs of a named statement that cannot run as named, raised before it executes anything:
 * its columns changed under it (0A000, "cached plan must not change result type"), or a pooler in
 * front (PgBouncer in transaction mode without `max_prepared_statements`) moved the connection so
 * that the statement is missing (26000) or already there (42P05).
 */
const STALE = '0A000'
const POOLER_LOST_IT = new Set(['26000', '42P05'])

function sqlState(err: unknown): string | undefined {
  return (err as { code?: unknown })?.code as string | undefined
}

/** One pool client, sending hot texts as named statements. */
export class AutoPreparingClient implements PostgresPoolClient {
  readonly #named = new Set<string>()
  #inTransaction = false
  #off = false

  constructor(
    readonly client: PgClient,
    private readonly hot: HotStatements,
    private readonly limits: AutoPrepareLimits,
  ) {}

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: readonly unknown[] = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') return this.client.query(sqlOrCursor)
    // pg answers `command` as a string; Kysely's type names the commands it reads.
    return this.#query(sqlOrCursor, parameters) as Promise<PostgresQueryResult<R>>
  }

  async #query(text: string, values: readonly unknown[]): Promise<PgResult> {
    if (values.length === 0) {
      this.#trackTransaction(text)
      return this.client.query(text, [])
    }
    try {
      return await this.#run(text, values)
    } catch (err) {
      const state = sqlState(err)
      if (state === STALE) this.hot.renew(text)
      else if (state && POOLER_LOST_IT.has(state)) this.#off = true
      else throw err
      // Nothing ran, so outside a transaction it runs again at once (once); inside one, PostgreSQL
      // has aborted the transaction, and the caller's retry of it takes the new name, or none.
      if (this.#inTransaction) throw err
      return this.#run(text, values)
    }
  }

  #run(text: string, values: readonly unknown[]): Promise<PgResult> {
    const name = this.#off ? undefined : this.#nameFor(text)
    return this.client.query(name ? { name, text, values: [...values] } : { text, values: [...values] })
  }

  release(): void {
    this.client.release()
  }

  #nameFor(text: string): string | undefined {
    const name = this.hot.nameFor(text)
    if (!name || this.#named.has(name)) return name
    if (this.#named.size >= this.limits.perConnection) return undefined
    this.#named.add(name)
    return name
  }

  /** Kysely opens and ends transactions with parameterless statements on the same client. */
  #trackTransaction(text: string): void {
    const head = text.trimStart().slice(0, 20).toLowerCase()
    if (head.startsWith('begin') || head.startsWith('start transaction')) this.#inTransaction = true
    else if (head.startsWith('commit') || (head.startsWith('rollback') && !/^rollback\s+to\b/.test(head))) {
      this.#inTransaction = false
    }
  }
}

/** A pool for Kysely's PostgresDialect whose clients auto-prepare; one wrapper per pg client. */
export function autoPreparingPool<C extends PgClient>(
  pool: PgPool<C>,
  limits: AutoPrepareLimits = AUTO_PREPARE,
): PostgresPool {
  const hot = new HotStatements(limits)
  const wrappers = new WeakMap<C, AutoPreparingClient>()
  return {
    connect: async () => {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (!wrapper) {
        wrapper = new AutoPreparingClient(client, hot, limits)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}
