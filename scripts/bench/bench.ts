/**
 * `npm run bench`: Parley beside the Socket.IO + PostgreSQL peer and the bare `ws` ceiling
 * (../shared/peers), all three in the same invocation, driven by the same load generators, so the
 * figures compare. See docs/BENCHMARKS.md.
 *
 *   npm run bench -- --table                       # (a), (b), (c) on both engines + peer + ceiling, medians of --reps; prints the markdown table
 *   npm run bench                                  # a, b, c, d embedded (PGlite)
 *   npm run bench -- --scenarios a,b --duration 5  # quick
 *   npm run bench -- --db postgres                 # DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); --db both: both engines
 *   npm run bench -- --scenarios c --conns 100000  # idle connections over several loopback source addresses, then a reconnect storm
 *   npm run bench -- --scenarios e --chains 1000   # read-your-writes chains (chains.ts), 16 at once
 *   npm run bench -- --profile                     # node --cpu-prof on the Parley server; .cpuprofile files kept
 *   npm run bench -- --scenarios b --rate 2000     # open loop at 2,000 msg/s: CPU per message, for A/B of builds
 *   npm run bench -- --pin-db-thread               # embedded: the PGlite thread on CPU 0 too (default: every core, like the peer's PostgreSQL)
 *   --no-peer, --no-ceiling, --no-storm skip those parts.
 *
 * Modules: options.ts (flags), processes.ts (children, pinning), loadgen.ts (a, b: the peers'
 * load generator), idle.ts + idle-conns.cjs (c), peers.ts (the reference servers), parley.ts
 * (Parley's runs and seeding), report.ts (medians, tables, JSON lines).
 * Servers run on CPU 0 (`taskset -c 0`), load generators on CPU 1, everything on 127.0.0.1.
 * Every child is killed at the end, on error and on SIGINT/SIGTERM.
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

import {
  engines,
  fixedRate,
  jsonOut,
  PEERS,
  reps,
  scenarios,
  tableMode,
  withCeiling,
  withPeer,
} from './options'
import { parleyRun, prepareParley, sendStatementAlone } from './parley'
import { ceiling, type Reference, referenceRun, socketioPeer } from './peers'
import { log, stamp, stop } from './processes'
import { markdownTable, type Measured, report } from './report'

// `--nodes N`: distributed mode (N nodes on PostgreSQL + Redis, scenario a), in cluster-bench.ts; exits here
// when done, through stop() so that this module's cleanups (the work directory) run too.
if (process.argv.includes('--nodes')) await stop(await (await import('./cluster-bench')).clusterBench())

const KNOWN = ['a', 'b', 'c', 'd', 'e']
/** Scenarios that the reference servers run too (d and e are Parley's REST and chains). */
const SHARED = ['a', 'b', 'c']

function ensurePeers() {
  if (!existsSync(join(PEERS, 'loadgen/bench.js')))
    throw new Error(`load generator not found in ${PEERS} (set PEERS_DIR)`)
  if (!existsSync(join(PEERS, 'node_modules/ws')) || !existsSync(join(PEERS, 'node_modules/socket.io'))) {
    log(`installing the peers' dependencies (npm install in ${PEERS}) ...`)
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('npm install in the peers directory failed')
  }
}

async function main() {
  if (scenarios.some((k) => !KNOWN.includes(k)))
    throw new Error('--scenarios takes a comma list of a,b,c,d,e')
  ensurePeers()
  const refs: Reference[] = []
  if (withPeer && scenarios.some((k) => SHARED.includes(k))) refs.push(await socketioPeer())
  if (withCeiling) refs.unshift(ceiling)
  const parley = []
  for (const engine of engines) parley.push(await prepareParley(engine))

  const measured: Measured[] = []
  for (const key of scenarios) {
    const m: Measured = { key, parley: {}, peer: [], ceiling: [] }
    for (let rep = 0; rep < reps; rep++) {
      // Each rep: the reference servers once, then Parley on each engine, each server fresh.
      if (SHARED.includes(key))
        for (const ref of refs) {
          log(`(${key}) ${ref.label} rep ${rep + 1}/${reps} ...`)
          const r = await referenceRun(ref, key, rep)
          ;(ref.label === 'ceiling-ws' ? m.ceiling : m.peer).push(r)
        }
      for (const p of parley) {
        log(`(${key}) parley ${p.engine} rep ${rep + 1}/${reps} ...`)
        ;(m.parley[p.engine] ??= []).push(await parleyRun(p, key, rep))
      }
    }
    // The bound beside (b)'s closed loop: its one statement alone, in the same sitting (not under --rate,
    // whose open loop has no such bound).
    if (key === 'b' && fixedRate === undefined)
      for (const p of parley) {
        log(`(b) chat.send_batch alone, ${p.engine} ...`)
        ;(m.sendAlone ??= {})[p.engine] = await sendStatementAlone(p.engine)
      }
    measured.push(m)
    for (const engine of engines) {
      const json = report(m, engine)
      console.log(JSON.stringify(json))
      if (jsonOut) appendFileSync(jsonOut, JSON.stringify({ ts: stamp, ...json }) + '\n')
    }
  }
  if (tableMode) {
    const day = new Date().toISOString().slice(0, 10)
    console.log(
      '\n' +
        markdownTable(
          measured.filter((m) => SHARED.includes(m.key)),
          `## Same sitting, ${day}`,
          reps,
        ),
    )
  }
}

main()
  .then(() => stop(0))
  .catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`)
    void stop(1)
  })
