import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { createTestDatabase, freePort, testRedis } from '@parley/platform/testing'

const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../apps/parley/bin/parley.js')

export interface ClusterNode {
  index: number
  url: string
  wsUrl: string
  process: ChildProcess
  output: string[]
  /** Starts this node again (same port, data dir and database) after a crash or stop. */
  restart(): Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

export interface Cluster {
  nodes: ClusterNode[]
  databaseUrl: string
  close(): Promise<void>
}

/**
 * Starts `count` real Parley processes (`parley serve auth profile contacts chat`) on their own
 * ports against one fresh PostgreSQL database and one Redis key prefix: distributed mode as it
 * is deployed, minus the load balancer.
 */
export interface ClusterOptions {
  env?: Record<string, string>
  /** A database of the test's own (e.g. a throwaway server it will stop); default: a fresh database on DATABASE_URL. */
  databaseUrl?: string
  /** A Redis of the test's own; default: REDIS_URL under a unique prefix, or a throwaway server. */
  redis?: { url: string; prefix: string }
}

export async function startCluster(count: number, options: ClusterOptions = {}): Promise<Cluster> {
  const extraEnv = options.env ?? {}
  if (!options.databaseUrl && !process.env.DATABASE_URL) {
    throw new Error('startCluster needs DATABASE_URL (PostgreSQL shared by the nodes)')
  }
  const redis = options.redis ? { ...options.redis, close: async () => {} } : await testRedis()
  const db = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => {} }
    : await createTestDatabase().then(async (created) => {
        await created.database.close() // the nodes open their own pools; the database only has to exist
        return created
      })
  const root = mkdtempSync(join(tmpdir(), 'parley-cluster-'))
  const nodes: ClusterNode[] = []
  for (let index = 0; index < count; index++) {
    const port = await freePort()
    const env = {
      ...process.env,
      DATABASE_URL: db.url!,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(root, `node${index}`),
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      CARD_FINGERPRINT_KEY: 'cluster-test-fingerprint-key-0123456789abcdef',
      ...extraEnv,
    }
    const node: ClusterNode = {
      index,
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}`,
      process: undefined as unknown as ChildProcess,
      output: [],
      async restart() {
        node.process = spawn(process.execPath, [ENTRY, 'serve', 'auth', 'profile', 'contacts', 'chat'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        const collect = (chunk: Buffer) => node.output.push(chunk.toString())
        node.process.stdout!.on('data', collect)
        node.process.stderr!.on('data', collect)
        await waitReady(node)
      },
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (node.process.exitCode !== null || node.process.signalCode !== null) return
        const exited = new Promise((r) => node.process.once('exit', r))
        node.process.kill(signal)
        await exited
      },
    }
    nodes.push(node)
  }
  // Start one first so that it runs the migrations alone, then the rest together.
  await nodes[0].restart()
  await Promise.all(nodes.slice(1).map((n) => n.restart()))
  return {
    nodes,
    databaseUrl: db.url!,
    async close() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')))
      await db.drop()
      await redis.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

async function waitReady(node: ClusterNode, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (node.process.exitCode !== null) throw new Error(`node ${node.index} exited:\n${node.output.join('')}`)
    try {
      const res = await fetch(`${node.url}/ready`)
      if (res.ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`node ${node.index} not ready in time:\n${node.output.join('')}`)
}
