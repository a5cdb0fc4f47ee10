/** Runs of the peers' load generator (../shared/peers/loadgen/bench.js) on CPU 1, scenarios (a) and (b). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { stealWindow } from './host-cpu'
import { baseDbUrl, duration, fixedRate, grace, PEERS, perf, warmup } from './options'
import { perfLines, perfWindow } from './perf-split'
import { threadWindow, windowSampler } from './pg-cpu'
import { lastJson, LOADGEN_CPU, log, run, work } from './processes'
import { writerLine, type WriterSplit, writerWindow } from './writer-split'

const LOADGEN = join(PEERS, 'loadgen/bench.js')

/** The same flags as the peers' `a-max` and `b-max`. */
export const MESSAGE_FLAGS: Record<string, string[]> = {
  a: '--scenario fanout --rooms 10 --members 100 --senders 2 --mode max --window 1'.split(' '),
  b: '--scenario pairs --pairs 1000 --mode max --window 1 --inflight 64'.split(' '),
}

/** A scenario's flags, in the open loop at `--rate` when it is given. */
function messageFlags(key: string): string[] {
  const flags = MESSAGE_FLAGS[key]
  if (fixedRate === undefined) return flags
  const closedLoop = new Set(['--mode', '--window', '--inflight'])
  const kept = flags.filter((f, i) => !closedLoop.has(f) && !closedLoop.has(flags[i - 1]))
  return [...kept, '--mode', 'fixed', '--rate', fixedRate]
}

/** One JSON line of a load generator (the fields this script reads), plus our own additions. */
export interface Result {
  delivered_per_s?: number
  latency?: { p50_ms?: number; p95_ms?: number; p99_ms?: number }
  lost_deliveries?: number
  conns_requested?: number
  conns_ok?: number
  /** `db_thread`: embedded Parley's PGlite thread, part of `server`. */
  cpu_pct?: {
    server?: number
    postgres?: number
    postgres_cluster?: number
    loadgen?: number
    db_thread?: number
    /** What the hypervisor took from the whole machine (host-cpu.ts), same units. */
    host_steal?: number
  }
  server_errors?: number
  rss_per_conn_kib?: number
  connect_s?: number
  storm?: {
    reconnect_s?: number | null
    conns_ok?: number
    presence_s?: number | null
    presence_ok?: boolean | null
  }
  server_ready_ms?: number
  /** Parley: where its send batches spent the window (writer-split.ts). */
  writer?: WriterSplit
  req_per_s?: number
  failed?: number
  [field: string]: unknown
}

/** The postmaster's pid (its process tree is PostgreSQL's CPU), when this user can read it. */
export function postgresPid(): number | undefined {
  for (const f of ['/var/run/postgresql/15-main.pid']) {
    try {
      return Number(readFileSync(f, 'utf8').split('\n')[0])
    } catch {
      /* not readable */
    }
  }
  return undefined
}

export interface LoadgenTarget {
  /** Adapter name in loadgen/adapters, or a path to an adapter file. */
  adapter: string
  port: number
  serverPid: number
  /** Environment of the load generator (the Parley adapter reads its seed from it). */
  env: NodeJS.ProcessEnv
  label: string
  /** The PostgreSQL database it writes to: its backends' CPU over the window is `cpu_pct.postgres`. */
  database?: string
  /** Embedded: the id of the server's database thread, whose CPU over the window is `cpu_pct.db_thread`. */
  dbThread?: number
  /** Parley: the token of its /metrics, read at both ends of the window for {@link WriterSplit}. */
  metricsToken?: string
}

export async function loadgen(t: LoadgenTarget, key: string, rep: number): Promise<Result> {
  const pgPid = t.database ? postgresPid() : undefined
  const window = [warmup * 1000, (warmup + duration) * 1000] as const
  const pgWindow = t.database ? windowSampler(baseDbUrl, t.database, ...window) : undefined
  const threadCpu = t.dbThread !== undefined ? threadWindow(t.serverPid, t.dbThread, ...window) : undefined
  const perfRecording = perf ? perfWindow(`${t.label}-${key}-${rep + 1}`, ...window) : undefined
  const writer = t.metricsToken ? writerWindow(t.port, t.metricsToken, ...window) : undefined
  const steal = stealWindow(...window)
  const args = [
    '-c',
    LOADGEN_CPU,
    'node',
    LOADGEN,
    '--target',
    t.adapter,
    '--port',
    String(t.port),
    ...messageFlags(key),
    '--duration',
    String(duration),
    '--warmup',
    String(warmup),
    '--grace',
    String(grace),
    '--server-pid',
    String(t.serverPid),
    '--label',
    t.label,
    '--rep',
    String(rep),
    '--json-out',
    join(work, 'runs.jsonl'),
    ...(pgPid ? ['--watch', `postgres=${pgPid}:tree`] : []),
  ]
  const r = await run('taskset', args, {
    env: t.env,
    timeoutMs: 600_000,
    label: `loadgen ${t.label} ${key}`,
    // The window starts `warmup` s after the load generator logs "joined N/N".
    onStderr: (text) => {
      if (!/\] joined \d+/.test(text)) return
      pgWindow?.begin()
      threadCpu?.begin()
      perfRecording?.begin()
      writer?.begin()
      steal.begin()
    },
  })
  const result = lastJson<Result>(r, `load generator (${t.label} ${key})`)
  if (pgWindow) {
    // The whole cluster's tree stays as `postgres_cluster`; `postgres` is this database's share.
    const mine = await pgWindow.result()
    result.cpu_pct = {
      ...result.cpu_pct,
      postgres_cluster: result.cpu_pct?.postgres,
      postgres: mine ?? undefined,
    }
  }
  if (threadCpu) result.cpu_pct = { ...result.cpu_pct, db_thread: (await threadCpu.result()) ?? undefined }
  result.cpu_pct = { ...result.cpu_pct, host_steal: (await steal.result()) ?? undefined }
  const split = await writer?.result()
  if (split) {
    result.writer = split
    log(writerLine(`${t.label} ${key} rep ${rep + 1}`, split, duration))
  }
  if (perfRecording) {
    const split = await perfRecording.split(t.serverPid)
    const label = `${t.label} ${key} rep ${rep + 1}`
    if (split && typeof result.sent === 'number' && result.sent > 0) {
      for (const line of perfLines(label, split, result.sent)) log(line)
    } else log(`perf ${label}: no recording (is perf installed? apt-get install linux-perf)`)
  }
  return result
}
