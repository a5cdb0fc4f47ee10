import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { buildServer, createPlatform, loadConfig } from '@parley/platform'
import {
  api,
  createTestDatabase,
  LogCapture,
  signUp,
  startTestServer,
  type TestServer,
  unique,
} from '@parley/platform/testing'
import { decodeProtectedHeader } from 'jose'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from './index'
import { DatabaseKeySource, generatePrivateJwk } from './keys/signing-keys'

/**
 * Boots the app the way `npm start` does, on a given data directory (PGlite persisted there)
 * or a given PostgreSQL database, so a second boot finds what the first one left.
 */
async function boot(dataDir: string, databaseUrl?: string) {
  const config = loadConfig({
    NODE_ENV: 'test',
    RATE_LIMITS: 'off',
    DATA_DIR: dataDir,
    PORT: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  })
  const logs = new LogCapture()
  const platform = await createPlatform(config, { logDestination: logs })
  const server = await buildServer(platform, [authService])
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = server.app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, platform, logs, close: () => server.close() }
}

describe('auth across a restart on the same DATA_DIR and database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-auth-restart-'))
  let dropDatabase: (() => Promise<void>) | undefined
  afterAll(async () => {
    await dropDatabase?.()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('keeps users, signing keys, avatars and logouts', async () => {
    let databaseUrl: string | undefined
    if (process.env.DATABASE_URL) {
      const testDb = await createTestDatabase()
      databaseUrl = testDb.url
      dropDatabase = testDb.drop
    }

    const first = await boot(dataDir, databaseUrl)
    const user = await signUp(first.url)
    const loggedOut = await api(first.url).post('/api/auth/login/', {
      email: user.email,
      password: user.password,
    })
    expect((await api(first.url).post('/api/auth/logout/', { refresh: loggedOut.body.refresh })).status).toBe(
      204,
    )
    const form = new FormData()
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer()
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png')
    const uploaded = await fetch(`${first.url}/api/auth/upload-avatar/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.access}` },
      body: form,
    })
    const avatarUrl = ((await uploaded.json()) as { avatar_url: string }).avatar_url
    const avatarBefore = Buffer.from(await (await fetch(first.url + avatarUrl)).arrayBuffer())
    const jwksBefore = (await api(first.url).get('/.well-known/jwks.json')).body
    await first.close()

    const second = await boot(dataDir, databaseUrl)
    try {
      const c = api(second.url)
      // the same key: tokens signed before the restart still verify
      expect((await c.get('/.well-known/jwks.json')).body).toEqual(jwksBefore)
      const me = await c.get('/api/auth/me/', user.access)
      expect(me.status).toBe(200)
      expect(me.body).toMatchObject({ id: user.id, person_id: user.person_id, avatar_url: avatarUrl })
      // the refresh token of the live session still rotates
      expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(200)
      // the logged-out session stays dead, its access token included (the deny-list was reloaded)
      expect((await c.get('/api/auth/me/', loggedOut.body.access)).status).toBe(401)
      expect((await c.post('/api/auth/token/refresh/', { refresh: loggedOut.body.refresh })).status).toBe(401)
      // the user and the avatar are still there
      const login = await c.post('/api/auth/login/', { email: user.email, password: user.password })
      expect(login.status).toBe(200)
      expect(decodeProtectedHeader(login.body.access).kid).toBe(jwksBefore.keys[0].kid)
      const avatar = await fetch(second.url + avatarUrl)
      expect(avatar.status).toBe(200)
      expect(Buffer.from(await avatar.arrayBuffer()).equals(avatarBefore)).toBe(true)
      // the same email still cannot register twice
      expect(
        (
          await c.post('/api/auth/register/', {
            email: user.email,
            username: unique('x'),
            password: user.password,
          })
        ).status,
      ).toBe(400)
    } finally {
      await second.close()
    }
  })
})

describe('auth signing keys from the environment and the database', () => {
  let t: TestServer
  let jwk: Awaited<ReturnType<typeof generatePrivateJwk>>
  beforeAll(async () => {
    jwk = await generatePrivateJwk()
    t = await startTestServer([authService], { JWT_PRIVATE_KEY: JSON.stringify(jwk) })
  })
  afterAll(() => t?.close())

  it('signs with JWT_PRIVATE_KEY when it is given', async () => {
    const jwks = (await api(t.url).get('/.well-known/jwks.json')).body
    expect(jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' },
    ])
    const user = await signUp(t.url)
    expect(decodeProtectedHeader(user.access).kid).toBe(jwk.kid)
    expect((await api(t.url).get('/api/auth/me/', user.access)).status).toBe(200)
    expect(t.logs.text()).not.toContain(jwk.d)
  })

  it('agrees on one first key in the database when several nodes start at once', async () => {
    // @NOTE With JWT_PRIVATE_KEY set, auth.signing_keys is untouched and empty: a clean first start.
    const nodes = await Promise.all([1, 2, 3, 4].map(() => new DatabaseKeySource(t.platform.db).load()))
    const kids = nodes.map((keys) => keys.map((k) => k.kid))
    expect(kids.every((k) => k.length === 1 && k[0] === kids[0][0])).toBe(true)
  })
})
