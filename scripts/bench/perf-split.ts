/**
 * `--perf`: where the CPU of a run's measurement window goes, for every server alike. A
 * system-wide `perf record -a -g` over the window; its samples are split by process (the server's
 * event loop, its other threads, PostgreSQL, the rest, idle), PostgreSQL's by stage (parse,
 * plan, executor, index inserts, commit, ...) and the event loop's by kind (JavaScript and V8,
 * GC, socket writes and reads, ...). Shares of samples are shares of CPU time: perf samples every
 * busy CPU at the same rate.
 */
import { join } from 'node:path'

import { run, work } from './processes'

export interface Frame {
  sym: string
  dso: string
}

export interface Sample {
  comm: string
  pid: number
  tid: number
  /** Leaf first. */
  frames: Frame[]
}

/** `perf script -F comm,pid,tid,ip,sym,dso` of a `-g` recording: a header line, then one line per frame. */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = []
  let current: Sample | undefined
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      current = undefined
      continue
    }
    if (!/^\s/.test(line)) {
      const m = /^(.*\S)\s+(-?\d+)\/(\d+)\s*$/.exec(line)
      if (!m) continue
      current = { comm: m[1], pid: Number(m[2]), tid: Number(m[3]), frames: [] }
      samples.push(current)
      continue
    }
    const f = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(line)
    if (f && current) current.frames.push({ sym: f[1], dso: f[2] })
  }
  return samples
}

type Rule = readonly [part: string, pattern: RegExp]

/** PostgreSQL's stages, first matching rule wins (a GIN insert inside a function is the index's). */
const POSTGRES_STAGES: readonly Rule[] = [
  [
    'background (WAL writer, checkpointer, autovacuum)',
    /^(WalWriterMain|CheckpointerMain|BackgroundWriterMain|AutoVacWorkerMain|AutoVacLauncherMain|PgArchiverMain)$/,
  ],
  ['trigram index (GIN) inserts', /^(gininsert|ginInsertCleanup|ginHeapTupleFastInsert)$/],
  ['commit + WAL flush', /^(CommitTransactionCommand|CommitTransaction|RecordTransactionCommit|XLogFlush)$/],
  // The unnamed statement's plan-cache entry is made at Parse (Create/CompleteCachedPlan).
  [
    'parse + analyze',
    /^(exec_parse_message|pg_parse_query|raw_parser|parse_analyze_\w+|pg_analyze_and_rewrite\w*|CreateCachedPlan|CompleteCachedPlan)$/,
  ],
  ['plan', /^(pg_plan_queries|pg_plan_query|standard_planner|BuildCachedPlan|GetCachedPlan)$/],
  ['bind: parameters read (uuid_in, array_in, ...)', /^(exec_bind_message|OidInputFunctionCall)$/],
  ['executor set-up', /^(standard_ExecutorStart|ExecInitNode)$/],
  ['B-tree inserts', /^(_bt_doinsert|btinsert)$/],
  ['heap inserts', /^(heap_insert|heap_multi_insert)$/],
  [
    'executing (scans, probes, updates)',
    /^(standard_ExecutorRun|ExecutorRun|PortalRun|plpgsql_exec_function)$/,
  ],
  ['client I/O', /^(secure_read|secure_write|pq_recvbuf|internal_flush|pq_getbyte|ReadCommand)$/],
]

/** The event loop's kinds of work. Kernel frames first: a write syscall is a write whoever made it. */
const KERNEL_KINDS: readonly Rule[] = [
  [
    'socket writes (loopback delivery included)',
    /^(ksys_write|do_writev|__sys_sendto|__sys_sendmsg|sock_write_iter|tcp_sendmsg)$/,
  ],
  ['socket reads', /^(ksys_read|do_readv|__sys_recvfrom|sock_read_iter|tcp_recvmsg)$/],
  ['epoll', /^(do_epoll_wait|ep_poll|do_epoll_ctl)$/],
  ['page faults', /^(exc_page_fault|asm_exc_page_fault|do_user_addr_fault)$/],
]
const GC =
  /^v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkSweepCollector|IncrementalMarking|ConcurrentMarking|GCTracer)\b/

function firstMatch(frames: Frame[], rules: readonly Rule[], fallback: string): string {
  for (const [part, pattern] of rules) if (frames.some((f) => pattern.test(f.sym))) return part
  return fallback
}

export const postgresStage = (frames: Frame[]) =>
  firstMatch(frames, POSTGRES_STAGES, 'other (memory, locks, transaction start and end)')

export function eventLoopKind(frames: Frame[]): string {
  if (frames[0]?.dso === '[kernel.kallsyms]') return firstMatch(frames, KERNEL_KINDS, 'other kernel')
  return frames.some((f) => GC.test(f.sym)) ? 'GC (V8)' : 'JavaScript, V8, libuv'
}

/** Samples per CPU-second (`perf record -F`). */
export const PERF_HZ = 499

/** Sample counts of the window, by process, PostgreSQL's by stage, and the event loop's by kind. */
export interface CpuSplit {
  samples: number
  processes: Record<string, number>
  postgres: Record<string, number>
  event_loop: Record<string, number>
}

/** Counts per part, largest first. */
function tally(parts: string[]): Record<string, number> {
  const counts = new Map<string, number>()
  for (const p of parts) counts.set(p, (counts.get(p) ?? 0) + 1)
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]))
}

function processOf(s: Sample, serverPid: number): string {
  if (s.pid === 0) return 'idle'
  if (s.pid === serverPid) {
    if (s.tid === serverPid) return 'server event loop'
    return s.comm === 'pglite' ? 'server database thread (pglite)' : 'server other threads'
  }
  if (s.comm === 'postgres') return 'PostgreSQL'
  return 'load generator and the rest'
}

export function splitSamples(samples: Sample[], serverPid: number): CpuSplit {
  return {
    samples: samples.length,
    processes: tally(samples.map((s) => processOf(s, serverPid))),
    postgres: tally(samples.filter((s) => s.comm === 'postgres').map((s) => postgresStage(s.frames))),
    event_loop: tally(samples.filter((s) => s.tid === serverPid).map((s) => eventLoopKind(s.frames))),
  }
}

/**
 * Records every CPU from `startMs` to `endMs` after `begin()` (the load generator's window, as
 * pg-cpu.ts's samplers); `split(serverPid)` waits for the recording and splits it.
 */
export function perfWindow(label: string, startMs: number, endMs: number) {
  const file = join(work, `perf-${label.replace(/\W+/g, '-')}.data`)
  let recorded: Promise<boolean> | undefined
  let timer: NodeJS.Timeout | undefined
  return {
    begin() {
      if (timer) return
      timer = setTimeout(() => {
        const seconds = String((endMs - startMs) / 1000)
        const args = ['record', '-a', '-g', '-F', String(PERF_HZ), '-q', '-o', file, '--', 'sleep', seconds]
        recorded = run('perf', args, { timeoutMs: endMs - startMs + 60_000, label: `perf ${label}` }).then(
          (r) => r.code === 0,
        )
      }, startMs)
    },
    async split(serverPid: number): Promise<CpuSplit | null> {
      clearTimeout(timer)
      if (!recorded || !(await recorded)) return null
      const args = ['script', '-i', file, '-F', 'comm,pid,tid,ip,sym,dso']
      const r = await run('perf', args, { timeoutMs: 300_000, label: `perf script ${label}` })
      return r.code === 0 ? splitSamples(parsePerfScript(r.stdout), serverPid) : null
    },
  }
}

/**
 * The split as console lines: each part's share of its whole and, given the messages stored in
 * the window, its CPU µs per stored message (samples / PERF_HZ CPU-seconds).
 */
export function perfLines(label: string, split: CpuSplit, storedMessages: number): string[] {
  const lines = (counts: Record<string, number>) => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    return Object.entries(counts).map(([part, n]) => {
      const pct = ((100 * n) / total).toFixed(1).padStart(5)
      const us = ((n / PERF_HZ / storedMessages) * 1e6).toFixed(1).padStart(7)
      return `    ${pct} %  ${us} µs/msg  ${part}`
    })
  }
  return [
    `perf ${label}: ${split.samples} samples, ${storedMessages} messages stored in the window`,
    '  every CPU, by process:',
    ...lines(split.processes),
    ...(Object.keys(split.postgres).length ? ['  PostgreSQL, by stage:', ...lines(split.postgres)] : []),
    "  the server's event loop, by kind:",
    ...lines(split.event_loop),
  ]
}
