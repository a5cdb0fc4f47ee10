import { Worker } from 'node:worker_threads'

// @NOTE Node built-ins only: the start command spawns the worker before the rest of the platform
// (Kysely, Fastify...) has loaded, so that PGlite's second of start-up overlaps that loading.

/** An error from PGlite with the same fields that `pg` puts on its errors. */
export class PgliteError extends Error {
  code?: string
  constraint?: string
  detail?: string
  constructor(fields: { message: string; code?: string; constraint?: string; detail?: string }) {
    super(fields.message)
    Object.assign(this, fields)
  }
}

/** What the worker answers to a request. */
export interface WorkerReply {
  id: number
  /** Column names of `rows`, which come as arrays of values. */
  columns?: string[]
  rows?: unknown[][]
  affectedRows?: number
  dump?: ArrayBuffer
  ready?: boolean
  error?: { message: string; code?: string; constraint?: string; detail?: string }
}

type Pending = { resolve: (value: WorkerReply) => void; reject: (err: Error) => void }

/** The PGlite worker thread, spoken to by message passing. */
export class PgliteWorker {
  private readonly worker: Worker
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  readonly ready: Promise<void>

  constructor(options: { dataDir?: string; template?: ArrayBuffer }) {
    this.worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: { dataDir: options.dataDir, template: options.template },
    })
    let resolveReady!: () => void
    let rejectReady!: (err: Error) => void
    this.ready = new Promise((res, rej) => {
      resolveReady = res
      rejectReady = rej
    })
    // Whoever opens the database awaits `ready` and gets the failure; until then (the start command
    // loads modules meanwhile) it must not count as an unhandled rejection, which would end the process.
    this.ready.catch(() => {})
    this.worker.on('message', (msg: WorkerReply) => {
      if (msg.id === 0) {
        if (msg.error) rejectReady(new PgliteError(msg.error))
        else resolveReady()
        return
      }
      const pending = this.pending.get(msg.id)
      if (!pending) return
      this.pending.delete(msg.id)
      if (msg.error) pending.reject(new PgliteError(msg.error))
      else pending.resolve(msg)
    })
    this.worker.on('error', (err) => {
      rejectReady(err)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    })
  }

  request(message: Record<string, unknown>): Promise<WorkerReply> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...message, id })
    })
  }

  /** Runs `sql`; with a `name`, as that named statement (prepared on its first run). */
  async query(
    sql: string,
    params: readonly unknown[] = [],
    name?: string,
  ): Promise<{ rows: unknown[]; affectedRows: number }> {
    const reply = await this.request({ op: 'query', sql, params, name })
    return { rows: toObjects(reply.columns ?? [], reply.rows ?? []), affectedRows: reply.affectedRows ?? 0 }
  }

  /** A tarball of the data directory (used to clone a migrated template in tests). */
  async dump(): Promise<ArrayBuffer> {
    const { dump } = await this.request({ op: 'dump' })
    if (!dump) throw new Error('PGlite returned no dump')
    return dump
  }

  async close(): Promise<void> {
    try {
      await this.request({ op: 'close' })
    } finally {
      await this.worker.terminate()
    }
  }
}

/** Rows as objects keyed by column name (a repeated name keeps its last value, as in `pg`). */
function toObjects(columns: string[], rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((values) => {
    const row: Record<string, unknown> = {}
    for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i]
    return row
  })
}
