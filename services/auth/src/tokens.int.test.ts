import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { api, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

import { authService } from './index'

describe('auth access tokens: forged, tampered and expired ones are 401', () => {
  let t: TestServer
  let user: Awaited<ReturnType<typeof signUp>>
  let privateJwk: JWK
  beforeAll(async () => {
    t = await startTestServer([authService])
    user = await signUp(t.url)
    if (t.config.db.url) {
      const row = await t.platform.db
        .withSchema('auth')
        .selectFrom('signing_keys')
        .select('private_jwk')
        .executeTakeFirstOrThrow()
      privateJwk = JSON.parse(row.private_jwk)
    } else {
      const dir = join(t.dataDir, 'keys')
      const [file] = readdirSync(dir)
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600)
      privateJwk = JSON.parse(readFileSync(join(dir, file), 'utf8')).private_jwk
    }
  })
  afterAll(() => t?.close())
  afterEach(() => {
    vi.useRealTimers()
  })

  const me = (token: string) => api(t.url).get('/api/auth/me/', token)
  const claims = () => decodeJwt(user.access)

  it('accepts the genuine token', async () => {
    expect((await me(user.access)).status).toBe(200)
  })

  it('refuses alg none', async () => {
    const header = base64url.encode(
      JSON.stringify({ alg: 'none', typ: 'JWT', kid: decodeProtectedHeader(user.access).kid }),
    )
    const payload = base64url.encode(JSON.stringify(claims()))
    expect((await me(`${header}.${payload}.`)).status).toBe(401)
  })

  it('refuses HS256 signed with the public key', async () => {
    const jwks = (await api(t.url).get('/.well-known/jwks.json')).body
    const kid = decodeProtectedHeader(user.access).kid!
    for (const secret of [JSON.stringify(jwks.keys[0]), jwks.keys[0].x, base64url.decode(jwks.keys[0].x)]) {
      const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid }).sign(key)
      expect((await me(forged)).status).toBe(401)
    }
  })

  it('refuses a tampered payload and a tampered signature', async () => {
    const [h, p, s] = user.access.split('.')
    const other = base64url.encode(
      JSON.stringify({ ...claims(), sub: '0190e5c0-0000-7000-8000-000000000000' }),
    )
    expect((await me(`${h}.${other}.${s}`)).status).toBe(401)
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1)
    expect((await me(`${h}.${p}.${flipped}`)).status).toBe(401)
  })

  it('refuses an expired token signed with the real key', async () => {
    const key = await importJWK(privateJwk, 'EdDSA')
    const kid = decodeProtectedHeader(user.access).kid!
    const now = Math.floor(Date.now() / 1000)
    const expired = await new SignJWT({ ...claims(), iat: now - 3600, exp: now - 60 })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .sign(key)
    expect((await me(expired)).status).toBe(401)
    // and the genuine token once its 15 minutes are over
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + (t.config.jwt.accessTtl + 120) * 1000)
    expect((await me(user.access)).status).toBe(401)
  })

  it('refuses a token signed by a key it does not know, or with a wrong kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const kid = decodeProtectedHeader(user.access).kid!
    const sameKid = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid }).sign(privateKey)
    expect((await me(sameKid)).status).toBe(401)
    const otherKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-key' })
      .sign(privateKey)
    expect((await me(otherKid)).status).toBe(401)
  })

  it('refuses garbage Authorization headers', async () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'bearer x.y',
      `Token ${user.access}`,
      'Bearer a.b.c',
      'Bearer \u00ff.\u00ff.\u00ff',
      `Bearer ${user.access}x`,
    ]) {
      const res = await api(t.url).get('/api/auth/me/', undefined, { authorization: header })
      expect(res.status, header).toBe(401)
      expect(res.body.type).toBe('/problems/unauthorized')
    }
    expect((await api(t.url).get('/api/auth/protected/')).status).toBe(401)
  })
})
