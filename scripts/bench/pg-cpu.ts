/**
 * PostgreSQL CPU of one database over the measurement window: the backends connected to it plus
 * the shared auxiliary processes (WAL writer, checkpointer, ...), as cluster-bench.ts samples it.
 * The postmaster's whole tree would count other users' databases on a shared server (and goes
 * backwards when their backends exit).
 */
import { readFileSync } from 'node:fs'

import pg from 'pg'

import { baseDbUrl } from './options'

type Snapshot = { t: number; cpu: Map<number, number> }

function cpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return undefined
  }
}

async function snapshot(dbName: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: baseDbUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = $1 or (datname is null and backend_type <> 'client backend')`,
      [dbName],
    )
    const cpu = new Map<number, number>()
    for (const { pid } of rows) {
      const c = cpuSeconds(pid)
      if (c !== undefined) cpu.set(pid, c)
    }
    return { t: performance.now(), cpu }
  } finally {
    await client.end()
  }
}

/**
 * Samples `dbName` at `startMs` and `endMs` after `begin()` is called (the load generator's window
 * starts `warmup` s after it logs "joined"); `pct()` is CPU % (100 = one core) or null.
 */
export function windowSampler(dbName: string, startMs: number, endMs: number) {
  let a: Promise<Snapshot> | undefined
  let b: Promise<Snapshot> | undefined
  const timers: NodeJS.Timeout[] = []
  const swallow = (p: Promise<Snapshot>) => (p.catch(() => undefined), p)
  return {
    begin() {
      if (timers.length) return
      timers.push(setTimeout(() => (a = swallow(snapshot(dbName))), startMs))
      timers.push(setTimeout(() => (b = swallow(snapshot(dbName))), endMs))
    },
    async pct(): Promise<number | null> {
      timers.forEach(clearTimeout)
      if (!a || !b) return null
      const [x, y] = await Promise.all([a, b]).catch(() => [undefined, undefined])
      if (!x || !y) return null
      let used = 0
      for (const [pid, c] of y.cpu) used += c - (x.cpu.get(pid) ?? 0) // a backend opened in the window counts whole
      return Math.round((1000 * used) / ((y.t - x.t) / 1000)) / 10
    },
  }
}
