/**
 * `npm run bench -- --nodes N`: scenario (a) (fan-out, 10 groups × 100 members, 2 senders per
 * group, window 1) against Parley in distributed mode: N real nodes
 * (`parley serve auth profile contacts chat`) on one fresh PostgreSQL database (DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test) and one Redis (REDIS_URL, default
 * redis://127.0.0.1:6379) under a unique REDIS_PREFIX. Runs 1 node, then N nodes (N > 1), in the
 * same invocation, on the same seed. See docs/BENCHMARKS.md ("Distributed mode").
 *
 *   npm run bench -- --nodes 3 --duration 10
 *   npm run bench -- --nodes 1
 *
 * Users are spread round-robin over the nodes (PARLEY_PORTS for parley-adapter.cjs), so every
 * group has members on every node and fan-out crosses nodes through Redis. Nodes run on CPU 0
 * (`taskset -c 0`), the load generator on CPU 1, everything on 127.0.0.1. Every child is killed
 * at the end, on error, on SIGINT/SIGTERM and when the time limit runs out; the temp database and
 * the Redis keys of the prefix are deleted.
 *
 * Other flags: --warmup 3 --grace 5 (s), --reps 1 (medians), --verbose, --json-out file.jsonl,
 * --time-limit 1800 (s, whole invocation).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { createScratchDatabase, freePort } from '@parley/platform/testing'
import { Redis } from 'ioredis'
import pg from 'pg'

import { coreBusyPct, type CoreTimes, coreTimes, readProcStat } from './host-cpu'
import { pgCpuPct, type PgCpuSnapshot, pgCpuSnapshot } from './pg-cpu'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const PEERS = resolve(process.env.PEERS_DIR ?? join(ROOT, '../shared/peers'))
const LOADGEN = join(PEERS, 'loadgen/bench.js')
const ADAPTER = join(ROOT, 'scripts/bench/parley-adapter.cjs')
/** The same flags bench.ts uses for scenario a (the peers' `a-max`). */
const FANOUT_FLAGS = [
  '--scenario',
  'fanout',
  '--rooms',
  '10',
  '--members',
  '100',
  '--senders',
  '2',
  '--mode',
  'max',
  '--window',
  '1',
]
const SEED_PLAN = 'a:10x100'

function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = process.argv[i + 1]
  return v === undefined || v.startsWith('--') ? 'true' : v
}

// ---------------------------------------------------------------- process hygiene
const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void> | void> = []
let verbose = false
const log = (text: string) => process.stderr.write(`[bench --nodes] ${text}\n`)

function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
}

let stopping: Promise<void> | undefined
/** Kills every child, then runs the cleanups (database, Redis keys, temp dir) once. */
function cleanup(): Promise<void> {
  stopping ??= (async () => {
    killAll()
    for (const fn of cleanups.reverse()) {
      await Promise.race([Promise.resolve().then(fn), new Promise((r) => setTimeout(r, 15_000))]).catch(
        (err: Error) => log(`cleanup: ${err.message}`),
      )
    }
  })()
  return stopping
}

function trackChild(child: ChildProcess) {
  children.add(child)
  child.on('exit', () => children.delete(child))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- PostgreSQL and Redis
async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

async function redisPid(url: string): Promise<number | undefined> {
  const info = await withRedis(url, (r) => r.info('server'))
  const m = /process_id:(\d+)/.exec(info)
  return m ? Number(m[1]) : undefined
}

async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  return withRedis(url, async (r) => {
    let cursor = '0'
    let n = 0
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length) n += await r.del(...keys)
    } while (cursor !== '0')
    return n
  })
}

async function createDatabase(baseUrl: string): Promise<string> {
  const scratch = await createScratchDatabase(baseUrl, 'parley_bench_nodes')
  cleanups.push(() => scratch.drop())
  return scratch.url
}

// ---------------------------------------------------------------- child processes
function run(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; timeoutMs: number; label: string; onStderr?: (text: string) => void },
) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    trackChild(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      opts.onStderr?.(String(d))
      if (verbose) process.stderr.write(String(d).replace(/^/gm, `  [${opts.label}] `))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      res({ code: code ?? (signal ? 128 : -1), stdout, stderr })
    })
  })
}

interface Node {
  index: number
  pid: number
  port: number
  readyMs: number
  stop(): Promise<void>
}

async function startNode(index: number, env: NodeJS.ProcessEnv, dataDir: string): Promise<Node> {
  const port = await freePort()
  mkdirSync(dataDir, { recursive: true })
  const t0 = performance.now()
  const args = [
    '-c',
    '0',
    process.execPath,
    'apps/parley/bin/parley.js',
    'serve',
    'auth',
    'profile',
    'contacts',
    'chat',
  ]
  const child = spawn('taskset', args, {
    env: { ...process.env, ...env, PORT: String(port), DATA_DIR: dataDir },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  trackChild(child)
  let output = ''
  const keep = (d: Buffer) => {
    output = (output + String(d)).slice(-20_000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`node ${index + 1} exited: ${output.slice(-2000)}`)
    const ok = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false)
    if (ok) break
    if (Date.now() > deadline) throw new Error(`node ${index + 1} not ready in 90 s: ${output.slice(-2000)}`)
    await sleep(50)
  }
  return {
    index,
    pid: child.pid!,
    port,
    readyMs: performance.now() - t0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM') // graceful drain (SHUTDOWN_TIMEOUT below), then SIGKILL
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(t)
      }
      if (verbose && output)
        process.stderr.write(output.slice(-3000).replace(/^/gm, `  [node ${index + 1}] `))
    },
  }
}

// ---------------------------------------------------------------- one measured run
interface LoadgenResult {
  delivered_per_s: number
  latency?: { p50_ms?: number; p95_ms?: number; p99_ms?: number }
  lost_deliveries: number
  conns_requested: number
  conns_ok: number
  server_errors?: number
  duplicates?: number
  cpu_pct?: Record<string, number>
  loadgen_loop_delay_p99_ms?: number
}

interface RunResult {
  nodes: number
  delivered_per_s: number
  p50_ms: number | null
  p95_ms: number | null
  p99_ms: number | null
  lost: number
  server_errors: number
  /** CPU % per process over the window (100 = one core): node1..nodeN, nodes (sum), postgres (this database's backends + auxiliary processes), redis, loadgen. */
  cpu_pct: Record<string, number | null>
  /** Busy % of each core over the same window (±0.1 s), every process on the machine included. */
  core_busy_pct: number[]
  /** Core time not accounted for by the processes above (other users' work on the shared machine), % of one core. */
  other_cpu_pct: number | null
  loadavg_1m: number
  loadgen_loop_delay_p99_ms: number | null
  nodes_ready_ms: number[]
}

interface Settings {
  duration: number
  warmup: number
  grace: number
  seedFile: string
  work: string
  env: NodeJS.ProcessEnv
  pgAdmin: pg.Client
  dbName: string
  redisPid?: number
}

async function measure(count: number, rep: number, s: Settings): Promise<RunResult> {
  const nodes: Node[] = []
  try {
    // Node 1 alone first (as e2e/cluster.ts does), then the others together.
    nodes.push(await startNode(0, s.env, join(s.work, `run${count}-${rep}`, 'node1')))
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: count - 1 }, (_, i) =>
          startNode(i + 1, s.env, join(s.work, `run${count}-${rep}`, `node${i + 2}`)),
        ),
      )),
    )
    log(
      `${count} node(s) ready on ports ${nodes.map((n) => n.port).join(',')} (${nodes.map((n) => Math.round(n.readyMs)).join(', ')} ms); load generator on CPU 1 ...`,
    )
    const watches = [
      ...nodes.slice(1).map((n) => `node${n.index + 1}=${n.pid}`),
      ...(s.redisPid ? [`redis=${s.redisPid}`] : []),
    ].flatMap((w) => ['--watch', w])
    const args = [
      '-c',
      '1',
      process.execPath,
      LOADGEN,
      '--target',
      ADAPTER,
      '--port',
      String(nodes[0].port),
      ...FANOUT_FLAGS,
      '--duration',
      String(s.duration),
      '--warmup',
      String(s.warmup),
      '--grace',
      String(s.grace),
      '--server-pid',
      String(nodes[0].pid),
      ...watches,
      '--label',
      `parley-${count}n`,
      '--rep',
      String(rep),
      '--json-out',
      join(s.work, 'runs.jsonl'),
    ]
    // Core busy % over the measurement window: it starts `warmup` s after the load generator logs "joined".
    let cores0: CoreTimes[] | undefined
    let cores1: CoreTimes[] | undefined
    let pg0: Promise<PgCpuSnapshot> | undefined
    let pg1: Promise<PgCpuSnapshot> | undefined
    const timers: NodeJS.Timeout[] = []
    const onStderr = (text: string) => {
      if (!/\] joined \d+/.test(text) || timers.length) return
      timers.push(
        setTimeout(
          () => ((cores0 = coreTimes(readProcStat())), (pg0 = pgCpuSnapshot(s.pgAdmin, s.dbName))),
          s.warmup * 1000,
        ),
      )
      timers.push(
        setTimeout(
          () => ((cores1 = coreTimes(readProcStat())), (pg1 = pgCpuSnapshot(s.pgAdmin, s.dbName))),
          (s.warmup + s.duration) * 1000,
        ),
      )
    }
    const env = {
      PARLEY_SEED: s.seedFile,
      PARLEY_SEED_KEY: 'a',
      PEERS_DIR: PEERS,
      PARLEY_PORTS: nodes.map((n) => n.port).join(','),
    }
    const load = loadavg()[0]
    const r = await run('taskset', args, {
      env,
      timeoutMs: (s.duration + s.warmup + s.grace + 300) * 1000,
      label: `loadgen ${count}n`,
      onStderr,
    })
    timers.forEach(clearTimeout)
    const line = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop()
    if (r.code !== 0 || !line)
      throw new Error(`load generator failed (${count} nodes, exit ${r.code}): ${r.stderr.slice(-1500)}`)
    const g = JSON.parse(line) as LoadgenResult
    if (g.lost_deliveries > 0 || g.conns_ok < g.conns_requested) {
      // Which messages were incomplete (got/of per message), and why connections failed.
      log(
        `loss in the ${count}-node run: ${r.stderr
          .split('\n')
          .filter((l) => /incomplete|fail|error|closed/i.test(l))
          .slice(-5)
          .join(' | ')
          .slice(0, 1500)}`,
      )
    }
    const cpu = g.cpu_pct ?? {}
    const pgCpu = pg0 && pg1 ? pgCpuPct(await pg0, await pg1) : null
    const nodeCpu: Record<string, number | null> = {}
    nodes.forEach(
      (n) =>
        (nodeCpu[`node${n.index + 1}`] = (n.index === 0 ? cpu.server : cpu[`node${n.index + 1}`]) ?? null),
    )
    const nodesSum = Object.values(nodeCpu).reduce<number>((a, b) => a + (b ?? 0), 0)
    const cpuPct: Record<string, number | null> = {
      ...nodeCpu,
      nodes: Math.round(nodesSum * 10) / 10,
      postgres: pgCpu,
      redis: cpu.redis ?? null,
      loadgen: cpu.loadgen ?? null,
    }
    const coreBusy = cores0 && cores1 ? coreBusyPct(cores0, cores1) : []
    const known = nodesSum + (pgCpu ?? 0) + (cpu.redis ?? 0) + (cpu.loadgen ?? 0)
    return {
      nodes: count,
      delivered_per_s: g.delivered_per_s,
      p50_ms: g.latency?.p50_ms ?? null,
      p95_ms: g.latency?.p95_ms ?? null,
      p99_ms: g.latency?.p99_ms ?? null,
      lost: g.lost_deliveries + (g.conns_requested - g.conns_ok),
      server_errors: g.server_errors ?? 0,
      cpu_pct: cpuPct,
      core_busy_pct: coreBusy,
      other_cpu_pct: coreBusy.length
        ? Math.max(0, Math.round((coreBusy.reduce((a, b) => a + b, 0) - known) * 10) / 10)
        : null,
      loadavg_1m: Math.round(load * 100) / 100,
      loadgen_loop_delay_p99_ms: g.loadgen_loop_delay_p99_ms ?? null,
      nodes_ready_ms: nodes.map((n) => Math.round(n.readyMs)),
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
}

// ---------------------------------------------------------------- report
const median = (xs: Array<number | null | undefined>): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b)
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null
}
const fmt = (x: number | null | undefined, d = 0) =>
  x == null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

function summarize(rs: RunResult[]): RunResult & { runs: number } {
  if (rs.length === 1) return { ...rs[0], runs: 1 }
  const keys = Object.keys(rs[0].cpu_pct)
  return {
    nodes: rs[0].nodes,
    delivered_per_s: median(rs.map((r) => r.delivered_per_s))!,
    p50_ms: median(rs.map((r) => r.p50_ms)),
    p95_ms: median(rs.map((r) => r.p95_ms)),
    p99_ms: median(rs.map((r) => r.p99_ms)),
    lost: Math.max(...rs.map((r) => r.lost)),
    server_errors: Math.max(...rs.map((r) => r.server_errors)),
    cpu_pct: Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => r.cpu_pct[k]))])),
    core_busy_pct: rs[0].core_busy_pct.map((_, i) => median(rs.map((r) => r.core_busy_pct[i])) ?? 0),
    other_cpu_pct: median(rs.map((r) => r.other_cpu_pct)),
    loadavg_1m: median(rs.map((r) => r.loadavg_1m))!,
    loadgen_loop_delay_p99_ms: median(rs.map((r) => r.loadgen_loop_delay_p99_ms)),
    nodes_ready_ms: rs[0].nodes_ready_ms,
    runs: rs.length,
  }
}

function table(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows
    .map(
      (r, k) =>
        (k === 1 ? widths.map((w) => '-'.repeat(w)).join('-+-') + '\n' : '') +
        r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | '),
    )
    .join('\n')
}

function report(
  S: RunResult & { runs: number },
  base: RunResult | undefined,
  jsonOut: string | undefined,
  command: string,
) {
  const cpuKeys = Object.keys(S.cpu_pct)
  const rows = [
    [
      'nodes',
      'delivered msg/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'lost',
      ...cpuKeys.map((k) => `${k} CPU %`),
      ...S.core_busy_pct.map((_, i) => `core${i} busy %`),
      'other CPU %',
    ],
    [
      String(S.nodes),
      fmt(S.delivered_per_s),
      fmt(S.p50_ms, 1),
      fmt(S.p95_ms, 1),
      fmt(S.p99_ms, 1),
      String(S.lost),
      ...cpuKeys.map((k) => fmt(S.cpu_pct[k], 1)),
      ...S.core_busy_pct.map((c) => fmt(c, 1)),
      fmt(S.other_cpu_pct, 1),
    ],
  ]
  const speedup =
    base && base !== S && base.delivered_per_s
      ? Math.round((S.delivered_per_s / base.delivered_per_s) * 100) / 100
      : null
  console.log(
    `\n(a) fan-out 10 groups x 100, 2 senders/group, window 1  [distributed: ${S.nodes} node(s), PostgreSQL + Redis]\n${table(rows)}\n` +
      `CPU %: 100 = one core, over the measurement window; nodes on CPU 0, load generator on CPU 1; "other" = busy core time not used by the processes listed (other users of the machine). load avg ${S.loadavg_1m}` +
      (speedup != null ? `\n${S.nodes} nodes / 1 node throughput: ${speedup} x` : '') +
      (S.server_errors ? `\nserver error frames: ${S.server_errors}` : ''),
  )
  const json = { scenario: 'a', mode: 'distributed', ...S, over_1_node: speedup, command }
  console.log(JSON.stringify(json))
  if (jsonOut) appendFileSync(jsonOut, JSON.stringify({ ts: new Date().toISOString(), ...json }) + '\n')
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const count = Number(option('nodes'))
  if (!Number.isInteger(count) || count < 1 || count > 8)
    throw new Error('--nodes takes a node count from 1 to 8')
  const scen = option('scenarios')
  if (scen && scen !== 'a') throw new Error('--nodes runs scenario a only (--scenarios a)')
  const duration = Number(option('duration', '10'))
  const warmup = Number(option('warmup', '3'))
  const grace = Number(option('grace', '5'))
  const reps = Number(option('reps', '1'))
  verbose = option('verbose') !== undefined
  const jsonOut = option('json-out')
  const baseDbUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  for (const u of [baseDbUrl, redisUrl]) {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname))
      throw new Error(`loopback only: ${u}`)
  }
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`

  if (!existsSync(LOADGEN)) throw new Error(`load generator not found at ${LOADGEN} (set PEERS_DIR)`)
  if (!existsSync(join(PEERS, 'node_modules/ws'))) {
    log(`installing the peers' dependencies (npm install in ${PEERS}) ...`)
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: PEERS,
      stdio: 'inherit',
      timeout: 300_000,
    })
    if (r.status !== 0) throw new Error('npm install in the peers directory failed')
  }

  const work = mkdtempSync(join(tmpdir(), 'parley-bench-nodes-'))
  cleanups.push(() => rmSync(work, { recursive: true, force: true }))
  const databaseUrl = await createDatabase(baseDbUrl)
  const prefix = `parley:bench:${process.pid}${Date.now().toString(36)}:`
  cleanups.push(async () => {
    const n = await deleteRedisPrefix(redisUrl, prefix)
    log(`deleted ${n} Redis keys under ${prefix}`)
  })
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    ACCESS_TOKEN_TTL: '7200',
    HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT: '5',
    CARD_FINGERPRINT_KEY: 'bench-cluster-fingerprint-key-0123456789abcdef',
  }

  // Seeding through seed.ts (the services' own code) with the nodes' environment: users, sessions
  // and groups land in the shared database, and the events go through the same Redis stream.
  const seedFile = join(work, 'seed.json')
  log(`seeding ${SEED_PLAN} into ${new URL(databaseUrl).pathname.slice(1)} (Redis prefix ${prefix}) ...`)
  const seeded = await run(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/seed.ts', '--out', seedFile, '--plan', SEED_PLAN],
    {
      env: { ...env, DATA_DIR: join(work, 'seed') },
      timeoutMs: 600_000,
      label: 'seed',
    },
  )
  if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stderr.slice(-3000)}`)
  log(seeded.stderr.trim().split('\n').pop() ?? '')

  const dbName = new URL(databaseUrl).pathname.slice(1)
  const pgAdmin = new pg.Client({ connectionString: baseDbUrl })
  await pgAdmin.connect()
  cleanups.push(() => pgAdmin.end())
  const rPid = await redisPid(redisUrl).catch(() => undefined)
  if (!rPid) log('Redis pid not found (INFO server): its CPU is not reported')
  const settings: Settings = { duration, warmup, grace, seedFile, work, env, pgAdmin, dbName, redisPid: rPid }

  const counts = count > 1 ? [1, count] : [1]
  let base: RunResult | undefined
  const failures: string[] = []
  // Reps alternate 1 node / N nodes, so that a noisy minute on the shared machine hits both.
  const results = new Map<number, RunResult[]>(counts.map((n) => [n, []]))
  for (let rep = 0; rep < reps; rep++) {
    for (const n of counts) {
      log(`(a) ${n} node(s), rep ${rep + 1}/${reps} ...`)
      const r = await measure(n, rep, settings)
      log(
        `  ${fmt(r.delivered_per_s)} msg/s, p50 ${fmt(r.p50_ms, 1)} ms, lost ${r.lost}, cores busy ${r.core_busy_pct.join(' / ')} %`,
      )
      results.get(n)!.push(r)
    }
  }
  for (const n of counts) {
    const S = summarize(results.get(n)!)
    base ??= S
    report(S, base, jsonOut, command)
    if (S.lost !== 0) failures.push(`${n} node(s): ${S.lost} deliveries lost`)
  }
  if (failures.length) throw new Error(`loss is not zero: ${failures.join('; ')}`)
}

/** Runs the distributed bench; resolves to the exit code once every child is gone and everything is cleaned up. */
export async function clusterBench(): Promise<number> {
  const limitS = Number(option('time-limit', '1800'))
  let code = 0
  const interrupted = new Promise<number>((res) => {
    process.once('SIGINT', () => res(130))
    process.once('SIGTERM', () => res(143))
    setTimeout(() => (log(`time limit ${limitS} s reached`), res(124)), limitS * 1000).unref()
  })
  process.on('exit', killAll)
  code = await Promise.race([
    main().then(
      () => 0,
      (err: Error) => {
        if (stopping) return 1 // interrupted: the children were killed on purpose
        process.stderr.write(`bench --nodes failed: ${err?.stack ?? err}\n`)
        return 1
      },
    ),
    interrupted,
  ])
  await cleanup()
  return code
}
