import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { createTestDatabase, freePort, testRedis } from '@parley/platform/testing'

/** Opens `/metrics` on each process's port (it is off the public route by default). */
export const SPLIT_METRICS_TOKEN = 'split-test-metrics-token-0123456789'

const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../apps/parley/bin/parley.js')

export interface SplitServices {
  /** Each service's own process and URL. */
  urls: Record<string, string>
  output: string[]
  close(): Promise<void>
}

/**
 * Starts each of `services` as its own `parley serve <service>` process on one fresh PostgreSQL
 * database and one Redis prefix: distributed mode with the services apart, as deploy/k8s runs
 * them. Auth starts first (it owns the signing keys); the others verify tokens through its JWKS.
 */
export async function startSplitServices(services: string[]): Promise<SplitServices> {
  if (!process.env.DATABASE_URL) throw new Error('startSplitServices needs DATABASE_URL')
  const redis = await testRedis()
  const db = await createTestDatabase().then(async (created) => {
    await created.database.close()
    return created
  })
  const root = mkdtempSync(join(tmpdir(), 'parley-split-'))
  const ports = Object.fromEntries(
    await Promise.all(services.map(async (s) => [s, await freePort()] as const)),
  )
  const urls = Object.fromEntries(services.map((s) => [s, `http://127.0.0.1:${ports[s]}`]))
  const output: string[] = []
  const children: ChildProcess[] = []
  const start = async (service: string) => {
    const child = spawn(process.execPath, [ENTRY, 'serve', service], {
      env: {
        ...process.env,
        DATABASE_URL: db.url!,
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        PORT: String(ports[service]),
        HOST: '127.0.0.1',
        DATA_DIR: join(root, service),
        RATE_LIMITS: 'off',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        CARD_FINGERPRINT_KEY: 'split-test-fingerprint-key-0123456789abcdef',
        METRICS_TOKEN: SPLIT_METRICS_TOKEN,
        ...(service === 'auth' ? {} : { AUTH_JWKS_URL: `${urls.auth}/.well-known/jwks.json` }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    const collect = (chunk: Buffer) => output.push(`[${service}] ${chunk.toString()}`)
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    await waitReady(service, urls[service], child, output)
  }
  const stopAll = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }),
    )
  }
  try {
    if (services.includes('auth')) await start('auth')
    await Promise.all(services.filter((s) => s !== 'auth').map(start))
  } catch (err) {
    await stopAll()
    throw err
  }
  return {
    urls,
    output,
    async close() {
      await stopAll()
      await db.drop()
      await redis.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

async function waitReady(
  service: string,
  url: string,
  child: ChildProcess,
  output: string[],
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service} exited:\n${output.join('')}`)
    try {
      if ((await fetch(`${url}/ready`)).ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${service} not ready in time:\n${output.join('')}`)
}
