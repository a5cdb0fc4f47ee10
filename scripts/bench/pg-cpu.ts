/**
 * PostgreSQL CPU of one database over the measurement window: the backends connected to it plus
 * the shared auxiliary processes (WAL writer, checkpointer, ...); loadgen.ts and cluster-bench.ts
 * both sample it here. No import of options.ts: cluster-bench.ts is loaded from it.
 * The postmaster's whole tree would count other users' databases on a shared server (and goes
 * backwards when their backends exit).
 */
import { readFileSync } from 'node:fs'

import pg from 'pg'

export type PgCpuSnapshot = { t: number; cpu: Map<number, number> }

/** CPU seconds (user + system) of one process, from /proc/<pid>/stat (USER_HZ 100, as the load generator assumes). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return undefined
  }
}

/** CPU seconds so far of `dbName`'s backends and the auxiliary processes, read through `admin`. */
export async function pgCpuSnapshot(admin: pg.Client, dbName: string): Promise<PgCpuSnapshot> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = $1 or (datname is null and backend_type <> 'client backend')`,
    [dbName],
  )
  const cpu = new Map<number, number>()
  for (const { pid } of rows) {
    const c = cpuSeconds(pid)
    if (c !== undefined) cpu.set(pid, c)
  }
  return { t: performance.now(), cpu }
}

/** CPU % (100 = one core) between two snapshots. */
export function pgCpuPct(a: PgCpuSnapshot, b: PgCpuSnapshot): number {
  let used = 0
  for (const [pid, c] of b.cpu) used += c - (a.cpu.get(pid) ?? 0) // a backend opened in the window counts whole
  return Math.round((1000 * used) / ((b.t - a.t) / 1000)) / 10
}

async function snapshot(dbUrl: string, dbName: string): Promise<PgCpuSnapshot> {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    return await pgCpuSnapshot(client, dbName)
  } finally {
    await client.end()
  }
}

/**
 * Samples `dbName` at `startMs` and `endMs` after `begin()` is called (the load generator's window
 * starts `warmup` s after it logs "joined"); `pct()` is CPU % (100 = one core) or null.
 */
export function windowSampler(dbUrl: string, dbName: string, startMs: number, endMs: number) {
  let a: Promise<PgCpuSnapshot> | undefined
  let b: Promise<PgCpuSnapshot> | undefined
  const timers: NodeJS.Timeout[] = []
  const swallow = (p: Promise<PgCpuSnapshot>) => (p.catch(() => undefined), p)
  return {
    begin() {
      if (timers.length) return
      timers.push(setTimeout(() => (a = swallow(snapshot(dbUrl, dbName))), startMs))
      timers.push(setTimeout(() => (b = swallow(snapshot(dbUrl, dbName))), endMs))
    },
    async pct(): Promise<number | null> {
      timers.forEach(clearTimeout)
      if (!a || !b) return null
      const [x, y] = await Promise.all([a, b]).catch(() => [undefined, undefined])
      return x && y ? pgCpuPct(x, y) : null
    },
  }
}
