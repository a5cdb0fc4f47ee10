/**
 * Database CPU over the measurement window. On PostgreSQL: the backends connected to one database
 * plus the shared auxiliary processes (WAL writer, checkpointer, ...); loadgen.ts and
 * cluster-bench.ts both sample it here. Embedded: the PGlite thread of Parley's process.
 * No import of options.ts: cluster-bench.ts is loaded from it.
 * The postmaster's whole tree would count other users' databases on a shared server (and goes
 * backwards when their backends exit).
 */
import { readFileSync } from 'node:fs'

import pg from 'pg'

import { pctOver, windowReadings } from './window'

export type PgCpuSnapshot = { t: number; cpu: Map<number, number> }

/**
 * CPU seconds (user + system) of one process, or of one of its threads when `tid` is given, from
 * /proc (USER_HZ 100, as the load generator assumes).
 */
function cpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const text = readFileSync(
      tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
      'utf8',
    )
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
  return pctOver(used, a.t, b.t)
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

/** `dbName`'s PostgreSQL CPU % (100 = one core) over the window (see {@link windowReadings}). */
export const windowSampler = (dbUrl: string, dbName: string, startMs: number, endMs: number) =>
  windowReadings(startMs, endMs, () => snapshot(dbUrl, dbName), pgCpuPct)

/** One thread's CPU % over the window (see {@link windowReadings}): embedded Parley's database thread. */
export function threadWindow(pid: number, tid: number, startMs: number, endMs: number) {
  type Snap = { t: number; cpu: number | undefined }
  const snap = async (): Promise<Snap> => ({ t: performance.now(), cpu: cpuSeconds(pid, tid) })
  return windowReadings(startMs, endMs, snap, (a, b) =>
    a.cpu === undefined || b.cpu === undefined ? null : pctOver(b.cpu - a.cpu, a.t, b.t),
  )
}
