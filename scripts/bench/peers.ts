/**
 * The reference servers measured beside Parley in the same invocation, from ../shared/peers:
 * the bare `ws` broadcast server (the Node ceiling: no auth, no storage) and the Socket.IO +
 * PostgreSQL peer (`socketio-pg/server.js`: what a typical Node developer would write — JWT at the
 * handshake, one INSERT per message). Each is started fresh per run on CPU 0, like Parley, and
 * driven by the same load generator on CPU 1 with its own adapter.
 */
import { join } from 'node:path'

import { freePort } from '@parley/platform/testing'
import pg from 'pg'

import { idleFiles, idleRun } from './idle'
import { loadgen, type Result } from './loadgen'
import { baseDbUrl, PEERS } from './options'
import { log, onCleanup, startServer, tcpReady } from './processes'

export interface Reference {
  label: 'ceiling-ws' | 'socketio-pg'
  script: string
  /** Adapter name in ../shared/peers/loadgen/adapters. */
  adapter: string
  env: NodeJS.ProcessEnv
  /** The PostgreSQL database it writes to (its CPU there is part of its cost). */
  database?: string
}

export const ceiling: Reference = {
  label: 'ceiling-ws',
  script: 'ceiling-ws/server.js',
  adapter: 'ceiling-ws',
  env: {},
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * The Socket.IO peer on a database of its own, set up as the peers' `services.sh setup` does
 * (role `bench`/`bench`, a database owned by it; the server creates its `messages` table), but as
 * a scratch database on DATABASE_URL's server, dropped at the end. Idempotent: the role is
 * created only if missing and left in place (other peers' runs use it).
 */
export async function socketioPeer(): Promise<Reference> {
  await admin(baseDbUrl, async (c) => {
    const { rowCount } = await c.query(`select 1 from pg_roles where rolname = 'bench'`)
    if (!rowCount) await c.query(`create role bench login password 'bench'`)
  })
  const name = `peer_sio_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await admin(baseDbUrl, (c) => c.query(`create database ${name} owner bench`))
  onCleanup(async () => {
    await admin(baseDbUrl, (c) => c.query(`drop database if exists ${name} with (force)`))
  })
  const url = new URL(baseDbUrl)
  log(`socketio-pg peer: database ${name} on ${url.host}`)
  return {
    label: 'socketio-pg',
    script: 'socketio-pg/server.js',
    adapter: 'socketio',
    env: {
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: 'bench',
      PGPASSWORD: 'bench',
      PGDATABASE: name,
      // The server's default pool; the same figure as in the peers' own runs.
      PG_POOL: '10',
    },
    database: name,
  }
}

/** One run of `key` (a, b or c) against a fresh `ref` server. */
export async function referenceRun(ref: Reference, key: string, rep: number): Promise<Result> {
  const port = await freePort()
  const server = await startServer(
    ref.label,
    ['node', join(PEERS, ref.script)],
    { ...ref.env, PORT: String(port) },
    tcpReady,
    port,
    key === 'c' ? idleFiles() : undefined,
  )
  try {
    const target = { adapter: ref.adapter, port, serverPid: server.pid, env: {}, label: ref.label }
    if (key === 'c') return await idleRun(target)
    return await loadgen({ ...target, database: ref.database }, key, rep)
  } finally {
    await server.stop()
  }
}
