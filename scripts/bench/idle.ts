/** Scenario (c): runs of idle-conns.cjs (own generator: loopback source addresses, reconnect storm) on CPU 1. */
import { join } from 'node:path'

import type { Result } from './loadgen'
import { idleConns, idleSecs, idleSources, PEERS, ROOT, withStorm } from './options'
import { fileLimit, lastJson, LOADGEN_CPU, pinned, run } from './processes'

/** Descriptors a process needs to hold the idle connections (one per socket), plus headroom. */
export const idleFiles = () => idleConns + 2_048

export interface IdleTarget {
  adapter: string
  port: number
  serverPid: number
  env: NodeJS.ProcessEnv
  label: string
  /** Parley's seed file: the generator then checks presence through the REST API. */
  presenceSeed?: string
}

export async function idleRun(t: IdleTarget): Promise<Result> {
  const args = [
    'node',
    join(ROOT, 'scripts/bench/idle-conns.cjs'),
    '--adapter',
    t.adapter,
    '--port',
    String(t.port),
    '--conns',
    String(idleConns),
    '--members',
    '100',
    '--idle-secs',
    String(idleSecs),
    '--server-pid',
    String(t.serverPid),
    '--peers-dir',
    PEERS,
    ...(idleSources ? ['--sources', idleSources] : []),
    ...(withStorm ? ['--storm'] : []),
    ...(t.presenceSeed ? ['--presence-seed', t.presenceSeed] : []),
  ]
  const r = await run('prlimit', pinned(LOADGEN_CPU, fileLimit(idleFiles()), args), {
    env: t.env,
    timeoutMs: 1_800_000,
    label: `idle ${t.label}`,
  })
  return lastJson<Result>(r, `idle connections (${t.label})`)
}
