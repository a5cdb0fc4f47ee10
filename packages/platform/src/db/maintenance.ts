import { sql } from 'kysely'

import type { Db } from './database'

/** When the first pass runs after opening (startup and migrations go first) and how often after that. */
export interface MaintenanceOptions {
  firstPassMs: number
  intervalMs: number
}

export const DEFAULT_MAINTENANCE: MaintenanceOptions = { firstPassMs: 2_000, intervalMs: 30_000 }

/** Where passes are reported (a pino logger fits). */
export interface MaintenanceLog {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
}

/** What one pass did, for logs and tests. */
export interface MaintenanceReport {
  analyzed: string[]
  vacuumed: string[]
}

interface TableStats {
  name: string
  /** What the last ANALYZE/VACUUM saw: rows (-1 never) and pages. */
  reltuples: number
  relpages: number
  /** The table's size now, in pages. */
  pages: number
  n_dead_tup: number
  n_mod_since_analyze: number
}

// PostgreSQL's autovacuum defaults: a table is analyzed after 50 + 10 % of its rows changed, and
// vacuumed once 50 + 20 % of its rows are dead.
const ANALYZE_THRESHOLD = 50
const ANALYZE_SCALE = 0.1
const VACUUM_THRESHOLD = 50
const VACUUM_SCALE = 0.2
const PAGES_THRESHOLD = 8

/** Which tables a pass should analyze and vacuum, by autovacuum's rules (pure, for unit tests). */
export function plan(tables: TableStats[]): MaintenanceReport {
  const analyzed: string[] = []
  const vacuumed: string[] = []
  for (const t of tables) {
    const rows = Math.max(t.reltuples, 0)
    // reltuples is -1 until the first ANALYZE or VACUUM: the planner knows nothing of the table.
    // @NOTE PGlite forgets the change counters on restart, so growth is also read from the size:
    // a table analyzed while empty and filled since would otherwise keep "empty" statistics.
    const grown = Math.abs(t.pages - t.relpages) > PAGES_THRESHOLD + ANALYZE_SCALE * t.relpages
    if (t.reltuples < 0 || grown || t.n_mod_since_analyze > ANALYZE_THRESHOLD + ANALYZE_SCALE * rows)
      analyzed.push(t.name)
    if (t.n_dead_tup > VACUUM_THRESHOLD + VACUUM_SCALE * rows) vacuumed.push(t.name)
  }
  return { analyzed, vacuumed }
}

/**
 * Autovacuum for the embedded database. PGlite is PostgreSQL in single-user mode: no autovacuum
 * launcher, so without this the planner never gets statistics (it then picks sequential scans and
 * bitmap-ANDs over whole tables for what should be index probes) and the dead rows that updates
 * leave behind (positions, `last_seq`, presence) are never reclaimed. Each pass asks the cumulative
 * statistics what changed and analyzes or vacuums only those tables, one statement at a time, so
 * the queries of the application get the single session in between.
 */
export class EmbeddedMaintenance {
  private timer?: NodeJS.Timeout
  private running?: Promise<unknown>
  private closed = false

  constructor(
    private readonly db: Db,
    private readonly options: MaintenanceOptions = DEFAULT_MAINTENANCE,
    private readonly log?: MaintenanceLog,
  ) {}

  start() {
    this.schedule(this.options.firstPassMs)
  }

  /** One pass now (tests call it directly; the timer calls it on schedule). */
  async pass(): Promise<MaintenanceReport> {
    const { rows } =
      await sql<TableStats>`select quote_ident(s.schemaname) || '.' || quote_ident(s.relname) as name,
        c.reltuples::float8 as reltuples, c.relpages::float8 as relpages,
        (pg_relation_size(c.oid) / current_setting('block_size')::int)::float8 as pages, s.n_dead_tup::float8 as n_dead_tup, s.n_mod_since_analyze::float8 as n_mod_since_analyze
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      order by s.schemaname, s.relname`.execute(this.db)
    const todo = plan(rows)
    const started = performance.now()
    for (const name of todo.vacuumed) {
      if (this.closed) break
      // VACUUM (ANALYZE) covers both; a table needing only statistics gets the cheaper ANALYZE below.
      await sql.raw(`vacuum (analyze) ${name}`).execute(this.db)
    }
    for (const name of todo.analyzed) {
      if (this.closed || todo.vacuumed.includes(name)) continue
      await sql.raw(`analyze ${name}`).execute(this.db)
    }
    if (todo.analyzed.length || todo.vacuumed.length) {
      this.log?.info(
        { ...todo, ms: Math.round(performance.now() - started) },
        'embedded database maintenance',
      )
    }
    return todo
  }

  async close() {
    this.closed = true
    clearTimeout(this.timer)
    await this.running
  }

  private schedule(ms: number) {
    if (this.closed) return
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((err) => {
          if (!this.closed) this.log?.warn({ err }, 'database maintenance pass failed; the next one retries')
        })
        .finally(() => {
          this.running = undefined
          this.schedule(this.options.intervalMs)
        })
    }, ms)
    this.timer.unref()
  }
}
