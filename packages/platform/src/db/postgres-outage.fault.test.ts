import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../config'
import { isBackendUnavailable } from '../http/problem'
import { createPlatform, type Platform } from '../platform'
import { buildServer, type Server_, type ServiceModule } from '../service'
import { api, eventually, LogCapture, ThrowawayPostgres } from '../testing'
import { transaction } from './transaction'

const dbService: ServiceModule = {
  name: 'gateway',
  create: (platform) => ({
    routes: async (app) => {
      app.get('/api/count/', async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_class`.execute(
          platform.db,
        )
        return { n: rows[0].n }
      })
    },
  }),
}

/** PostgreSQL crashes under a running node and comes back. */
describe('PostgreSQL outage', () => {
  let pgServer: ThrowawayPostgres
  let server: Server_
  let platform: Platform
  let url: string
  const logs = new LogCapture()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-pgfault-'))

  beforeAll(async () => {
    pgServer = await ThrowawayPostgres.start()
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: pgServer.url,
      RATE_LIMITS: 'off',
      PORT: '0',
    })
    platform = await createPlatform(config, { logDestination: logs })
    server = await buildServer(platform, [dbService])
    await server.app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await server?.close()
    await pgServer?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('answers 503 fast while PostgreSQL is down and recovers by itself', async () => {
    expect((await api(url).get('/api/count/')).status).toBe(200)
    // A transaction holding its connection between two queries when the server dies (as a
    // service does while it awaits something else) must fail, not crash the process.
    let holding!: () => void
    const held = new Promise<void>((r) => (holding = r))
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    const open = transaction(platform.db, async (tx) => {
      await sql`select 1`.execute(tx.db)
      holding()
      await released
      await sql`select 1`.execute(tx.db)
    })
    const outcome = open.then(
      () => 'committed',
      (err: unknown) => (isBackendUnavailable(err) ? 'unavailable' : `other: ${String(err)}`),
    )
    await held
    await pgServer.kill()
    await new Promise((r) => setTimeout(r, 200))
    release()
    expect(await outcome).toBe('unavailable')

    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      const res = await api(url).get('/api/count/')
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(res.status).toBe(503)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.headers.get('retry-after')).toBe('2')
    }
    expect((await api(url).get('/ready')).status).toBe(503)
    expect((await api(url).get('/health')).status).toBe(200)

    await pgServer.restart()
    const back = Date.now()
    await eventually(async () => (await api(url).get('/api/count/')).status === 200, 15_000)
    expect(Date.now() - back).toBeLessThan(10_000)
    expect((await api(url).get('/ready')).status).toBe(200)
    expect(logs.text()).not.toContain('unexpected error')
  })
})
