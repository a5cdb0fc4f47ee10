/**
 * `npm run bench`: Parley against the bare `ws` broadcast ceiling, in one run, driven by the
 * peers' load generator (../shared/peers/loadgen) so the figures compare with
 * ../shared/peers/results. See docs/BENCHMARKS.md.
 *
 *   npm run bench                                  # a, b, c, d embedded (PGlite)
 *   npm run bench -- --scenarios a,b --duration 5  # quick
 *   npm run bench -- --scenarios e --chains 1000    # read-your-writes chains (chains.ts), 16 at once
 *   npm run bench -- --db postgres                 # DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
 *   npm run bench -- --profile                     # node --cpu-prof on the Parley server; .cpuprofile files kept
 *
 * Servers run on CPU 0 (`taskset -c 0`), load generators on CPU 1, everything on 127.0.0.1.
 * Every child is killed at the end, on error and on SIGINT/SIGTERM.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { createScratchDatabase, freePort } from '@parley/platform/testing'

// `--nodes N`: distributed mode (N nodes on PostgreSQL + Redis, scenario a), in cluster-bench.ts; exits here when done.
if (process.argv.includes('--nodes')) process.exit(await (await import('./cluster-bench')).clusterBench())

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const PEERS = resolve(process.env.PEERS_DIR ?? join(ROOT, '../shared/peers'))
const LOADGEN = join(PEERS, 'loadgen/bench.js')
const ADAPTER = join(ROOT, 'scripts/bench/parley-adapter.cjs')

// ---------------------------------------------------------------- options
function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = process.argv[i + 1]
  return v === undefined || v.startsWith('--') ? 'true' : v
}
const scenarios = (option('scenarios', 'a,b,c,d') as string).split(',').map((s) => s.trim())
const duration = Number(option('duration', '10'))
const warmup = Number(option('warmup', '3'))
const grace = Number(option('grace', '5'))
const idleConns = Number(option('conns', '10000'))
const dbMode = option('db') ?? (process.env.DATABASE_URL ? 'postgres' : 'embedded')
const baseDbUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const withCeiling = option('no-ceiling') === undefined
const profile = option('profile') !== undefined
const reps = Number(option('reps', '1'))
const verbose = option('verbose') !== undefined
if (!['embedded', 'postgres'].includes(dbMode)) throw new Error('--db embedded|postgres')

const SHAPES: Record<string, { seed?: string; flags: string[] }> = {
  a: {
    seed: '10x100',
    flags: [
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
    ],
  },
  b: {
    seed: '1000x2',
    flags: ['--scenario', 'pairs', '--pairs', '1000', '--mode', 'max', '--window', '1', '--inflight', '64'],
  },
  c: {
    seed: `${Math.ceil(idleConns / 100)}x100`,
    flags: ['--scenario', 'idle', '--conns', String(idleConns), '--members', '100', '--idle-secs', '10'],
  },
  d: { flags: [] },
  e: { flags: [] }, // register → log in → invite → accept → first message chains: chains.ts
}

// ---------------------------------------------------------------- process hygiene
const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void> | void> = []
function killAll() {
  for (const c of children)
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
}
let stopping = false
async function stop(code: number) {
  if (stopping) return
  stopping = true
  killAll()
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined)
  process.exit(code)
}
process.on('SIGINT', () => void stop(130))
process.on('SIGTERM', () => void stop(143))
process.on('exit', killAll)

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const work = mkdtempSync(join(tmpdir(), 'parley-bench-'))
cleanups.push(() => {
  if (!profile) rmSync(work, { recursive: true, force: true })
})
const log = (text: string) => process.stderr.write(`[bench] ${text}\n`)

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; label: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (verbose) process.stderr.write(String(d).replace(/^/gm, `  [${opts.label}] `))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      children.delete(child)
      res({ code: code ?? -1, stdout, stderr })
    })
  })
}

interface Server {
  pid: number
  port: number
  readyMs: number
  stop(): Promise<void>
}

/** Starts a server pinned to CPU 0 and waits until `ready` answers. */
async function startServer(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (port: number) => Promise<boolean>,
  port: number,
): Promise<Server> {
  const t0 = performance.now()
  const child = spawn('taskset', ['-c', '0', ...args], {
    env: { ...process.env, ...env },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<void>((r) => child.on('exit', () => (children.delete(child), r())))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited: ${output.slice(-2000)}`)
    if (await ready(port).catch(() => false)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${label} not ready in 60 s: ${output.slice(-2000)}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const readyMs = performance.now() - t0
  return {
    pid: child.pid!,
    port,
    readyMs,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      if (verbose && output) process.stderr.write(output.slice(-3000).replace(/^/gm, `  [${label}] `))
    },
  }
}

const httpReady = (path: string) => async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}${path}`)).ok
const tcpReady = (port: number) =>
  new Promise<boolean>((res) => {
    const s = connect(port, '127.0.0.1')
    s.on('connect', () => (s.destroy(), res(true)))
    s.on('error', () => res(false))
  })

// ---------------------------------------------------------------- setup
function ensurePeers() {
  if (!existsSync(LOADGEN)) throw new Error(`load generator not found at ${LOADGEN} (set PEERS_DIR)`)
  if (!existsSync(join(PEERS, 'node_modules/ws'))) {
    log(`installing the peers' dependencies (npm install in ${PEERS}) ...`)
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('npm install in the peers directory failed')
  }
}

async function createDatabase(): Promise<string | undefined> {
  if (dbMode !== 'postgres') return undefined
  const scratch = await createScratchDatabase(baseDbUrl, 'parley_bench')
  cleanups.push(() => scratch.drop())
  return scratch.url
}

function postgresPid(): number | undefined {
  for (const f of ['/var/run/postgresql/15-main.pid']) {
    try {
      return Number(readFileSync(f, 'utf8').split('\n')[0])
    } catch {
      /* not readable */
    }
  }
  return undefined
}

// ---------------------------------------------------------------- runs
/** One JSON line of the peers' load generator (the fields this script reads), plus our own additions. */
interface Result {
  delivered_per_s?: number
  latency?: { p50_ms?: number; p95_ms?: number; p99_ms?: number }
  lost_deliveries?: number
  conns_requested?: number
  conns_ok?: number
  cpu_pct?: { server?: number; postgres?: number; loadgen?: number }
  server_errors?: number
  rss_per_conn_kib?: number
  connect_s?: number
  server_ready_ms?: number
  req_per_s?: number
  failed?: number
  [field: string]: unknown
}

async function loadgen(
  target: string,
  port: number,
  serverPid: number,
  key: string,
  env: NodeJS.ProcessEnv,
  label: string,
  rep: number,
): Promise<Result> {
  const out = join(work, 'runs.jsonl')
  const pgPid = dbMode === 'postgres' && label === 'parley' ? postgresPid() : undefined
  const args = [
    '-c',
    '1',
    'node',
    LOADGEN,
    '--target',
    target,
    '--port',
    String(port),
    ...SHAPES[key].flags,
    '--duration',
    String(duration),
    '--warmup',
    String(warmup),
    '--grace',
    String(grace),
    '--server-pid',
    String(serverPid),
    '--label',
    label,
    '--rep',
    String(rep),
    '--json-out',
    out,
    ...(pgPid ? ['--watch', `postgres=${pgPid}:tree`] : []),
  ]
  const r = await run('taskset', args, { env, timeoutMs: 600_000, label: `loadgen ${label} ${key}` })
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop()
  if (r.code !== 0 || !line)
    throw new Error(`load generator failed (${label} ${key}, exit ${r.code}): ${r.stderr.slice(-1500)}`)
  return JSON.parse(line)
}

async function ceilingRun(key: string, rep: number): Promise<Result> {
  const port = await freePort()
  const server = await startServer(
    'ceiling',
    ['node', join(PEERS, 'ceiling-ws/server.js')],
    { PORT: String(port) },
    tcpReady,
    port,
  )
  try {
    return await loadgen('ceiling-ws', port, server.pid, key, {}, 'ceiling-ws', rep)
  } finally {
    await server.stop()
  }
}

interface ParleyEnv {
  env: NodeJS.ProcessEnv
  seedFile: string
}

async function startParley(p: ParleyEnv, tag: string): Promise<Server> {
  const port = await freePort()
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(work, 'profiles', tag)}`] : []
  const args = [
    'node',
    ...nodeArgs,
    'apps/parley/bin/parley.js',
    'serve',
    'auth',
    'profile',
    'contacts',
    'chat',
  ]
  return startServer('parley', args, { ...p.env, PORT: String(port) }, httpReady('/api/chat/health/'), port)
}

async function parleyRun(p: ParleyEnv, key: string, rep: number): Promise<Result> {
  const server = await startParley(p, `${key}-${rep}`)
  try {
    if (key === 'c') log(`(c) parley memory before connecting: ${await memoryBreakdown(server.port)}`)
    const r = await loadgen(
      ADAPTER,
      server.port,
      server.pid,
      key,
      { PARLEY_SEED: p.seedFile, PARLEY_SEED_KEY: key, PEERS_DIR: PEERS },
      'parley',
      rep,
    )
    r.server_ready_ms = Math.round(server.readyMs)
    if (key === 'c') log(`(c) parley memory after idle: ${await memoryBreakdown(server.port)}`)
    return r
  } finally {
    await server.stop()
  }
}

const BENCH_METRICS_TOKEN = 'bench-metrics-token-local-only'

/** Where the idle server's memory is, from its /metrics (Node's heap, buffers and WASM outside it). */
async function memoryBreakdown(port: number): Promise<string> {
  try {
    const headers = { authorization: `Bearer ${BENCH_METRICS_TOKEN}` }
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers })).text()
    const mib = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(name + ' '))
      return line ? `${(Number(line.split(' ')[1]) / 2 ** 20).toFixed(1)} MiB` : '?'
    }
    return [
      `rss ${mib('process_resident_memory_bytes')}`,
      `heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')}`,
      `external ${mib('nodejs_external_memory_bytes')}`,
    ].join(', ')
  } catch (err) {
    return `unavailable (${(err as Error).message})`
  }
}

async function restRun(p: ParleyEnv, rep: number): Promise<Result> {
  const server = await startParley(p, `d-${rep}`)
  try {
    const r = await run(
      'taskset',
      [
        '-c',
        '1',
        'node',
        join(ROOT, 'scripts/bench/rest-load.cjs'),
        '--port',
        String(server.port),
        '--seed',
        p.seedFile,
        '--key',
        'd',
        '--duration',
        String(duration),
        '--warmup',
        '2',
        '--concurrency',
        '32',
      ],
      { timeoutMs: 300_000, label: 'rest-load' },
    )
    const line = r.stdout.trim().split('\n').pop()
    if (r.code !== 0 || !line) throw new Error(`rest load failed: ${r.stderr.slice(-1500)}`)
    return { ...JSON.parse(line), server_ready_ms: Math.round(server.readyMs) }
  } finally {
    await server.stop()
  }
}

/** What chains.ts prints (scenario e). */
interface ChainsResult {
  chains: number
  failed: number
  not_findable_at_once: number
  findable_lag_ms?: { p50: number | null; p99: number | null }
  register_ms?: { p50: number | null; p99: number | null }
  chains_per_s: number
}

/** Scenario (e): read-your-writes chains against a fresh server, driven from CPU 1 (chains.ts). */
async function chainsRun(p: ParleyEnv, rep: number): Promise<Result> {
  const server = await startParley(p, `e-${rep}`)
  try {
    const r = await run(
      'taskset',
      [
        '-c',
        '1',
        'node',
        '--import',
        'tsx',
        join(ROOT, 'scripts/bench/chains.ts'),
        '--port',
        String(server.port),
        '--chains',
        option('chains', '1000')!,
        '--concurrency',
        '16',
      ],
      { timeoutMs: 1_800_000, label: 'chains' },
    )
    const line = r.stdout.trim().split('\n').pop()
    if (r.code !== 0 || !line) throw new Error(`chains failed: ${r.stderr.slice(-1500)}`)
    return { ...JSON.parse(line), server_ready_ms: Math.round(server.readyMs) }
  } finally {
    await server.stop()
  }
}

// ---------------------------------------------------------------- report
const median = (xs: Array<number | null | undefined>): number | null => {
  const s = xs.filter((x): x is number => x != null && !Number.isNaN(x)).sort((a, b) => a - b)
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null
}
function table(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows
    .map(
      (r, k) =>
        (k === 1 ? widths.map((w) => '-'.repeat(w)).join('-+-') + '\n' : '') +
        r.map((c, i) => c.padEnd(widths[i])).join(' | '),
    )
    .join('\n')
}
const fmt = (x: number | null | undefined, d = 0) =>
  x == null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

function summarizeMessages(rs: Result[]) {
  return {
    delivered_per_s: median(rs.map((r) => r.delivered_per_s)),
    p50_ms: median(rs.map((r) => r.latency?.p50_ms)),
    p95_ms: median(rs.map((r) => r.latency?.p95_ms)),
    p99_ms: median(rs.map((r) => r.latency?.p99_ms)),
    lost: Math.max(
      ...rs.map((r) => (r.lost_deliveries ?? 0) + ((r.conns_requested ?? 0) - (r.conns_ok ?? 0))),
    ),
    server_cpu_pct: median(rs.map((r) => r.cpu_pct?.server)),
    postgres_cpu_pct: median(rs.map((r) => r.cpu_pct?.postgres)),
    loadgen_cpu_pct: median(rs.map((r) => r.cpu_pct?.loadgen)),
    server_errors: Math.max(...rs.map((r) => r.server_errors ?? 0)),
    runs: rs.length,
  }
}

function report(key: string, parley: Result[], ceiling: Result[]) {
  const title = {
    a: '(a) fan-out 10 groups x 100, 2 senders/group, window 1',
    b: '(b) 1,000 direct pairs, both send, <= 64 in flight',
    c: `(c) ${idleConns} idle authenticated connections`,
    d: '(d) REST history reads, 32 concurrent',
  }[key]
  let json: Record<string, unknown>
  let rows: string[][]
  if (key === 'a' || key === 'b') {
    const P = summarizeMessages(parley)
    const C = ceiling.length ? summarizeMessages(ceiling) : undefined
    const ratio = C?.delivered_per_s ? P.delivered_per_s! / C.delivered_per_s : null
    rows = [
      [
        'server',
        'delivered msg/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'lost',
        'server CPU %',
        'PG CPU %',
        'loadgen CPU %',
      ],
    ]
    for (const [name, s] of [
      ['parley', P],
      ['ceiling-ws', C],
    ] as const) {
      if (s)
        rows.push([
          name,
          fmt(s.delivered_per_s),
          fmt(s.p50_ms, 1),
          fmt(s.p95_ms, 1),
          fmt(s.p99_ms, 1),
          String(s.lost),
          fmt(s.server_cpu_pct),
          fmt(s.postgres_cpu_pct),
          fmt(s.loadgen_cpu_pct),
        ])
    }
    json = {
      scenario: key,
      db: dbMode,
      parley: P,
      ceiling: C ?? null,
      parley_over_ceiling: ratio == null ? null : Math.round(ratio * 1000) / 1000,
    }
    console.log(
      `\n${title}  [${dbMode}]\n${table(rows)}\nParley / ceiling throughput: ${ratio == null ? '-' : (ratio * 100).toFixed(1) + ' %'}`,
    )
  } else if (key === 'c') {
    const P = {
      rss_per_conn_kib: median(parley.map((r) => r.rss_per_conn_kib)),
      conns_ok: Math.min(...parley.map((r) => r.conns_ok ?? 0)),
      connect_s: median(parley.map((r) => r.connect_s)),
      server_ready_ms: median(parley.map((r) => r.server_ready_ms)),
    }
    const C = ceiling.length
      ? {
          rss_per_conn_kib: median(ceiling.map((r) => r.rss_per_conn_kib)),
          conns_ok: Math.min(...ceiling.map((r) => r.conns_ok ?? 0)),
          connect_s: median(ceiling.map((r) => r.connect_s)),
        }
      : undefined
    const ratio = C?.rss_per_conn_kib ? P.rss_per_conn_kib! / C.rss_per_conn_kib : null
    rows = [['server', 'RSS per idle conn KiB', 'conns ok', 'connect s']]
    rows.push(['parley', fmt(P.rss_per_conn_kib, 2), String(P.conns_ok), fmt(P.connect_s, 1)])
    if (C) rows.push(['ceiling-ws', fmt(C.rss_per_conn_kib, 2), String(C.conns_ok), fmt(C.connect_s, 1)])
    json = {
      scenario: key,
      db: dbMode,
      parley: P,
      ceiling: C ?? null,
      parley_over_ceiling_memory: ratio == null ? null : Math.round(ratio * 100) / 100,
    }
    console.log(
      `\n${title}  [${dbMode}]\n${table(rows)}\nParley / ceiling memory per connection: ${ratio == null ? '-' : ratio.toFixed(2) + ' x'}`,
    )
  } else if (key === 'e') {
    const r = parley[parley.length - 1] as unknown as ChainsResult
    rows = [
      [
        'server',
        'chains',
        'failed',
        'not findable at once',
        'findable lag p50 ms',
        'p99 ms',
        'register p50 ms',
        'p99 ms',
        'chains/s',
      ],
    ]
    rows.push([
      'parley',
      String(r.chains),
      String(Math.max(...parley.map((x) => (x as unknown as ChainsResult).failed ?? 0))),
      String(r.not_findable_at_once),
      fmt(r.findable_lag_ms?.p50, 1),
      fmt(r.findable_lag_ms?.p99, 1),
      fmt(r.register_ms?.p50, 1),
      fmt(r.register_ms?.p99, 1),
      fmt(r.chains_per_s, 1),
    ])
    json = { scenario: key, db: dbMode, parley: parley.length === 1 ? r : parley }
    console.log(
      `\n(e) ${r.chains} register → log in → invite → accept → first message chains, 16 at once  [${dbMode}]\n${table(rows)}`,
    )
  } else {
    const P = {
      req_per_s: median(parley.map((r) => r.req_per_s)),
      p50_ms: median(parley.map((r) => r.latency?.p50_ms)),
      p99_ms: median(parley.map((r) => r.latency?.p99_ms)),
      failed: Math.max(...parley.map((r) => r.failed ?? 0)),
    }
    rows = [
      ['server', 'requests/s', 'p50 ms', 'p99 ms', 'failed'],
      ['parley', fmt(P.req_per_s), fmt(P.p50_ms, 1), fmt(P.p99_ms, 1), String(P.failed)],
    ]
    json = { scenario: key, db: dbMode, parley: P }
    console.log(`\n${title}  [${dbMode}]\n${table(rows)}`)
  }
  const startup = median(parley.map((r) => r.server_ready_ms))
  if (startup != null) json.parley_ready_ms = startup
  console.log(JSON.stringify(json))
  if (option('json-out')) appendFileSync(option('json-out')!, JSON.stringify({ ts: stamp, ...json }) + '\n')
}

// ---------------------------------------------------------------- main
async function main() {
  ensurePeers()
  const databaseUrl = await createDatabase()
  const dataDir = join(work, 'data')
  mkdirSync(dataDir)
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    ACCESS_TOKEN_TTL: '7200',
    HOST: '127.0.0.1',
    // /metrics is off the public port unless a token opens it (issue 14); the memory breakdown reads it.
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  }
  if (!databaseUrl) delete process.env.DATABASE_URL

  const plan = scenarios
    .map((k) => (k === 'd' ? 'd:10x50' : SHAPES[k]?.seed ? `${k}:${SHAPES[k].seed}` : undefined))
    .filter(Boolean)
  if (scenarios.some((k) => !SHAPES[k])) throw new Error('--scenarios takes a comma list of a,b,c,d,e')
  const seedFile = join(work, 'seed.json')
  // @NOTE (e) makes its own users: nothing to seed when it runs alone.
  if (plan.length) {
    log(
      `${dbMode}: seeding ${plan.join(', ')} (users, sessions, conversations through Parley's services) ...`,
    )
    const seeded = await run(
      'node',
      ['--import', 'tsx', 'scripts/bench/seed.ts', '--out', seedFile, '--plan', plan.join(',')],
      { env, timeoutMs: 900_000, label: 'seed' },
    )
    if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stderr.slice(-3000)}`)
    log(seeded.stderr.trim().split('\n').pop() ?? '')
  }
  const p: ParleyEnv = { env, seedFile }

  for (const key of scenarios) {
    const parley: Result[] = []
    const ceiling: Result[] = []
    for (let rep = 0; rep < reps; rep++) {
      if (key === 'd') {
        log(`(d) parley rep ${rep + 1}/${reps} ...`)
        parley.push(await restRun(p, rep))
        continue
      }
      if (key === 'e') {
        log(`(e) parley rep ${rep + 1}/${reps} ...`)
        parley.push(await chainsRun(p, rep))
        continue
      }
      if (withCeiling) {
        log(`(${key}) ceiling-ws rep ${rep + 1}/${reps} ...`)
        ceiling.push(await ceilingRun(key, rep))
      }
      log(`(${key}) parley rep ${rep + 1}/${reps} ...`)
      parley.push(await parleyRun(p, key, rep))
    }
    report(key, parley, ceiling)
  }
  if (profile) log(`CPU profiles in ${join(work, 'profiles')}`)
}

main()
  .then(() => stop(0))
  .catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`)
    void stop(1)
  })
