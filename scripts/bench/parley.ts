/** Parley's side of `npm run bench`: one data directory (or scratch database) and seed per engine, and its runs. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { createScratchDatabase, freePort } from '@parley/platform/testing'

import { idleFiles, idleRun } from './idle'
import { loadgen, type Result } from './loadgen'
import {
  baseDbUrl,
  chains,
  duration,
  type Engine,
  freeDbThread,
  idleConns,
  PEERS,
  profile,
  ROOT,
  scenarios,
} from './options'
import {
  httpReady,
  lastJson,
  LOADGEN_CPU,
  log,
  onCleanup,
  run,
  type Server,
  startServer,
  threadId,
  unpinThread,
  work,
} from './processes'
import type { SendCost } from './send-batch-cost'

const ADAPTER = join(ROOT, 'scripts/bench/parley-adapter.cjs')
const BENCH_METRICS_TOKEN = 'bench-metrics-token-local-only'

export interface ParleySetup {
  engine: Engine
  /** The scratch database's name (PostgreSQL engine). */
  database?: string
  env: NodeJS.ProcessEnv
  seedFile: string
}

/** The seed plan: scenario → rooms × members (seed.ts). */
function seedPlan(): string[] {
  const shapes: Record<string, string> = {
    a: '10x100',
    b: '1000x2',
    c: `${Math.ceil(idleConns / 100)}x100`,
    d: '10x50',
  }
  return scenarios.filter((k) => shapes[k]).map((k) => `${k}:${shapes[k]}`)
}

/** A fresh data directory (and, on PostgreSQL, a scratch database dropped at the end), seeded. */
export async function prepareParley(engine: Engine): Promise<ParleySetup> {
  let databaseUrl: string | undefined
  let database: string | undefined
  if (engine === 'postgres') {
    const scratch = await createScratchDatabase(baseDbUrl, 'parley_bench')
    onCleanup(() => scratch.drop())
    databaseUrl = scratch.url
    database = scratch.name
  }
  const dataDir = join(work, `data-${engine}`)
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
    // '' removes it for the embedded engine (the parent's DATABASE_URL names the scratch databases' server).
    DATABASE_URL: databaseUrl ?? '',
  }
  const seedFile = join(work, `seed-${engine}.json`)
  const plan = seedPlan()
  // @NOTE (e) makes its own users: nothing to seed when it runs alone.
  if (plan.length) {
    log(`${engine}: seeding ${plan.join(', ')} ...`)
    const seeded = await run(
      'node',
      ['--import', 'tsx', 'scripts/bench/seed.ts', '--out', seedFile, '--plan', plan.join(',')],
      { env: env, timeoutMs: 1_800_000, label: `seed ${engine}` },
    )
    if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stderr.slice(-3000)}`)
    log(seeded.stderr.trim().split('\n').pop() ?? '')
  }
  return { engine, database, env, seedFile }
}

/** A Parley server; embedded, with the id of its database thread. */
type ParleyServer = Server & { dbThread?: number }

async function startParley(p: ParleySetup, tag: string, files?: number): Promise<ParleyServer> {
  const port = await freePort()
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(work, 'profiles', p.engine, tag)}`] : []
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
  const server = await startServer(
    `parley ${p.engine}`,
    args,
    { ...p.env, PORT: String(port) },
    httpReady('/api/chat/health/'),
    port,
    files,
  )
  if (p.engine !== 'embedded') return server
  // The PGlite worker names its thread `pglite` (pglite-worker.mjs): its CPU is the embedded database's.
  const dbThread = threadId(server.pid, 'pglite')
  if (freeDbThread) unpinThread(dbThread)
  return { ...server, dbThread }
}

/** One run of scenario `key` against a fresh Parley server on the seeded data. */
export async function parleyRun(p: ParleySetup, key: string, rep: number): Promise<Result> {
  const server = await startParley(p, `${key}-${rep}`, key === 'c' ? idleFiles() : undefined)
  try {
    const env = { PARLEY_SEED: p.seedFile, PARLEY_SEED_KEY: key, PEERS_DIR: PEERS }
    const target = {
      adapter: ADAPTER,
      port: server.port,
      serverPid: server.pid,
      env,
      label: `parley-${p.engine}`,
      metricsToken: BENCH_METRICS_TOKEN,
    }
    let r: Result
    if (key === 'a' || key === 'b')
      r = await loadgen({ ...target, database: p.database, dbThread: server.dbThread }, key, rep)
    else if (key === 'c') {
      log(`(c) parley memory before connecting: ${await memoryBreakdown(server.port)}`)
      r = await idleRun({ ...target, presenceSeed: p.seedFile })
    } else if (key === 'd') r = await restRun(server.port, p.seedFile)
    else r = await chainsRun(server.port)
    r.server_ready_ms = Math.round(server.readyMs)
    return r
  } finally {
    await server.stop()
  }
}

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

/** (d): REST history reads from CPU 1 (rest-load.cjs). */
async function restRun(port: number, seedFile: string): Promise<Result> {
  const args = ['-c', LOADGEN_CPU, 'node', join(ROOT, 'scripts/bench/rest-load.cjs')]
  args.push('--port', String(port), '--seed', seedFile, '--key', 'd', '--duration', String(duration))
  args.push('--warmup', '2', '--concurrency', '32')
  const r = await run('taskset', args, { timeoutMs: 300_000, label: 'rest-load' })
  return lastJson<Result>(r, 'rest load')
}

/** (e): read-your-writes chains from CPU 1 (chains.ts). */
async function chainsRun(port: number): Promise<Result> {
  const args = ['-c', LOADGEN_CPU, 'node', '--import', 'tsx', join(ROOT, 'scripts/bench/chains.ts')]
  args.push('--port', String(port), '--chains', chains, '--concurrency', '16')
  const r = await run('taskset', args, { timeoutMs: 1_800_000, label: 'chains' })
  return lastJson<Result>(r, 'chains')
}

/**
 * `chat.send_batch` alone (send-batch-cost.ts) on `engine`, with the server stopped and the machine
 * otherwise quiet: ms per call of 32 and 64 messages, the bound beside scenario (b)'s closed loop.
 * A fresh data directory or scratch database of its own; no CPU pinning.
 */
export async function sendStatementAlone(engine: Engine): Promise<SendCost> {
  const script = join(ROOT, 'scripts/bench/send-batch-cost.ts')
  const args = ['--import', 'tsx', script, '--db', engine, '--sizes', '32,64', '--secs', '3', '--json']
  const env = engine === 'postgres' ? { DATABASE_URL: baseDbUrl } : {}
  const r = await run('node', args, { env, timeoutMs: 300_000, label: `send statement alone ${engine}` })
  return lastJson<SendCost>(r, 'send-batch-cost')
}
