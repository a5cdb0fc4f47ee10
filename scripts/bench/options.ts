/** `npm run bench` flags, parsed once (see bench.ts's header and docs/BENCHMARKS.md). */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const PEERS = resolve(process.env.PEERS_DIR ?? join(ROOT, '../shared/peers'))

export function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = process.argv[i + 1]
  return v === undefined || v.startsWith('--') ? 'true' : v
}

export type Engine = 'embedded' | 'postgres'

/** `--table`: every scenario of the table (a, b, c) on both engines, then the markdown table. */
export const tableMode = option('table') !== undefined
const dbOption = option('db') ?? (tableMode ? 'both' : process.env.DATABASE_URL ? 'postgres' : 'embedded')
if (!['embedded', 'postgres', 'both'].includes(dbOption)) throw new Error('--db embedded|postgres|both')
/** Parley's engines measured in this invocation, each against the same peer and ceiling runs. */
export const engines: Engine[] = dbOption === 'both' ? ['embedded', 'postgres'] : [dbOption as Engine]

export const scenarios = (option('scenarios', tableMode ? 'a,b,c' : 'a,b,c,d') as string)
  .split(',')
  .map((s) => s.trim())
export const duration = Number(option('duration', '10'))
export const warmup = Number(option('warmup', '3'))
export const grace = Number(option('grace', '5'))
export const idleConns = Number(option('conns', '10000'))
/** Loopback source addresses for (c) (127.0.0.2, …); default one per 2,500 connections (see idle-conns.cjs). */
export const idleSources = option('sources')
/** Seconds the idle connections are held before RSS is read (scenario c). */
export const idleSecs = Number(option('idle-secs', '10'))
export const baseDbUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const withCeiling = option('no-ceiling') === undefined
export const withPeer = option('no-peer') === undefined
/** `--no-storm`: scenario (c) without the reconnect storm. */
export const withStorm = option('no-storm') === undefined
export const profile = option('profile') !== undefined
/** `--perf`: every CPU recorded over each (a)/(b) window and split by process and stage (perf-split.ts). */
export const perf = option('perf') !== undefined
/**
 * Where embedded Parley's database thread (`pglite`) runs. By default on every core, while the
 * server's own threads stay on CPU 0: the layout the peer's PostgreSQL and Parley's PostgreSQL
 * have, so every column gets the same hardware. `--pin-db-thread` keeps it on CPU 0 with the event
 * loop (the layout of sittings before 2026-12-06's): one core for the whole embedded process.
 */
export const freeDbThread = option('pin-db-thread') === undefined
export const reps = Number(option('reps', '1'))
export const verbose = option('verbose') !== undefined
export const jsonOut = option('json-out')
export const chains = option('chains', '1000')!
/**
 * `--rate N`: (a) and (b) offered at N messages/s in total (the load generator's open loop)
 * instead of as fast as the server answers. At a load every server carries, the CPU per message
 * is steadier than a saturated run's throughput: the way to compare two builds' costs.
 */
export const fixedRate = option('rate')
