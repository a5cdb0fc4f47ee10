import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'

import { type Config, loadConfig } from '../config'
import { type Database, openDatabase } from '../db/database'
import { createPlatform, type Platform } from '../platform'
import { buildServer, type Server_, type ServiceModule } from '../service'
import { deleteRedisPrefix, uniqueRedisPrefix } from './redis'
import { createScratchDatabase } from './scratch-database'

/** Collects every JSON log line the server writes, so tests can assert what never appears in logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line)
    done()
  }
  text(): string {
    return this.lines.join('\n')
  }
  parsed(): Array<Record<string, any>> {
    return this.lines.map((l) => JSON.parse(l))
  }
}

/** A fresh, empty database for one test file: a new PostgreSQL database when DATABASE_URL is set, else in-memory PGlite. */
export async function createTestDatabase(): Promise<{
  database: Database
  url?: string
  drop(): Promise<void>
}> {
  const baseUrl = process.env.DATABASE_URL
  if (!baseUrl) {
    const database = await openDatabase({})
    return { database, drop: () => database.close() }
  }
  const scratch = await createScratchDatabase(baseUrl, 'parley_t')
  const database = await openDatabase({ url: scratch.url, poolSize: 5 })
  return {
    database,
    url: scratch.url,
    async drop() {
      await database.close()
      await scratch.drop()
    },
  }
}

export interface TestServer {
  url: string
  wsUrl: string
  server: Server_
  platform: Platform
  config: Config
  logs: LogCapture
  dataDir: string
  close(): Promise<void>
}

/**
 * Starts the real app with the given services on a free loopback port, on its own database
 * (PGlite, or PostgreSQL when DATABASE_URL is set) and its own data directory.
 */
export async function startTestServer(
  services: ServiceModule[],
  env: Record<string, string> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'))
  const testDb = await createTestDatabase()
  // @NOTE With REDIS_URL set (CI), every test server runs distributed, under a prefix of its own
  // unless the test gives one (several nodes of one test share theirs).
  const sharedRedis = process.env.REDIS_URL && !('REDIS_URL' in env) ? process.env.REDIS_URL : undefined
  const redisEnv = sharedRedis ? { REDIS_URL: sharedRedis, REDIS_PREFIX: uniqueRedisPrefix() } : {}
  const config = loadConfig({
    ...redisEnv,
    NODE_ENV: 'test',
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    PORT: '0',
    ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
    ...env,
  })
  // @NOTE Tests read /metrics on the app's own port unless they configure where it goes;
  // no environment variable can do this (config.metrics.openOnPublicPort).
  if (!('METRICS_TOKEN' in env) && !('METRICS_PORT' in env)) config.metrics.openOnPublicPort = true
  const logs = new LogCapture()
  const platform = await createPlatform(config, { logDestination: logs, database: testDb.database })
  const server = await buildServer(platform, services)
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = server.app.server.address() as AddressInfo
  // @NOTE The port is known only now: unless the test names its own PUBLIC_URL, links in mails
  // and the browser Origin check must use it.
  const origin = `http://127.0.0.1:${port}`
  if (!env.PUBLIC_URL) config.http.publicUrl = origin
  if (!config.http.allowedOrigins.includes(origin)) config.http.allowedOrigins.push(origin)
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    server,
    platform,
    config,
    logs,
    dataDir,
    async close() {
      await server.close()
      await testDb.drop()
      if (sharedRedis && !env.REDIS_PREFIX) await deleteRedisPrefix(sharedRedis, config.redis.prefix)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A small JSON HTTP client for tests: `await api(url).post('/api/auth/login/', body, token)`. */
export function api(baseUrl: string) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    let json: any = undefined
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, body: json, text }
  }
  return {
    get: (path: string, token?: string, headers?: Record<string, string>) =>
      call('GET', path, undefined, token, headers),
    post: (path: string, body?: unknown, token?: string, headers?: Record<string, string>) =>
      call('POST', path, body ?? {}, token, headers),
    put: (path: string, body: unknown, token?: string) => call('PUT', path, body, token),
    patch: (path: string, body: unknown, token?: string) => call('PATCH', path, body, token),
    delete: (path: string, token?: string, body?: unknown) => call('DELETE', path, body, token),
  }
}

let counter = 0
/** A unique suffix for test data (emails, usernames). */
export function unique(prefix = 'u'): string {
  counter++
  return `${prefix}${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`
}

export interface SignedUpUser {
  id: string
  person_id: string
  email: string
  username: string
  tenant_id: string
  password: string
  access: string
  refresh: string
}

/** Registers and logs in a user through the auth service's HTTP API. */
export async function signUp(
  baseUrl: string,
  fields: { email?: string; username?: string; password?: string; tenant?: string; first_name?: string } = {},
): Promise<SignedUpUser> {
  const name = unique('user')
  const email = fields.email ?? `${name}@example.com`
  const password = fields.password ?? 'correct horse battery'
  const client = api(baseUrl)
  const reg = await client.post('/api/auth/register/', {
    email,
    username: fields.username ?? name,
    password,
    ...(fields.tenant ? { tenant: fields.tenant } : {}),
    ...(fields.first_name ? { first_name: fields.first_name } : {}),
  })
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`)
  const login = await client.post('/api/auth/login/', {
    email,
    password,
    ...(fields.tenant ? { tenant: fields.tenant } : {}),
  })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`)
  return { ...login.body.user, password, access: login.body.access, refresh: login.body.refresh }
}

/** Polls `check` until it returns a truthy value (event-driven projections are eventually consistent). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}
export * from './postgres'
export * from './redis'
export * from './scratch-database'
