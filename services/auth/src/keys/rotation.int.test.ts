import { join } from 'node:path'

import { api, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from '../index'
import { DatabaseKeySource, FileKeySource, KeyRing, type KeySource, rotateSigningKey } from './signing-keys'

// Runs on embedded (keys in DATA_DIR/keys) by default, on PostgreSQL (auth.signing_keys) with DATABASE_URL.
describe('signing key rotation (`parley keys rotate`): nobody is signed out', () => {
  let t: TestServer
  let source: KeySource
  beforeAll(async () => {
    t = await startTestServer([authService])
    source = t.config.db.url
      ? new DatabaseKeySource(t.platform.db)
      : new FileKeySource(join(t.dataDir, 'keys'))
  })
  afterAll(() => t?.close())

  const me = (token: string) => api(t.url).get('/api/auth/me/', token)
  const jwksKids = async () =>
    ((await api(t.url).get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid)

  it('keeps accepting tokens of the old key, signs new ones with the new key, and serves both in the JWKS', async () => {
    const user = await signUp(t.url)
    const oldKid = decodeProtectedHeader(user.access).kid!
    expect(await jwksKids()).toEqual([oldKid])

    const added = await rotateSigningKey(source)
    expect(added.kid).not.toBe(oldKid)

    // @NOTE Another node that reloaded first signs with the new key; its token makes this node
    // reload at once (unknown kid) instead of at its next periodic reload.
    const fromOtherNode = await new SignJWT({ ...decodeJwt(user.access) })
      .setProtectedHeader({ alg: 'EdDSA', kid: added.kid, typ: 'JWT' })
      .sign(await importJWK({ ...added, alg: 'EdDSA' }, 'EdDSA'))
    expect((await me(fromOtherNode)).status).toBe(200)

    expect((await me(user.access)).status).toBe(200)
    const login = await api(t.url).post('/api/auth/login/', { email: user.email, password: user.password })
    expect(login.status).toBe(200)
    expect(decodeProtectedHeader(login.body.access).kid).toBe(added.kid)
    expect((await me(login.body.access)).status).toBe(200)
    expect(await jwksKids()).toEqual([added.kid, oldKid])
  })

  it('drops the old key from the store once its longest token has expired', async () => {
    const ring = new KeyRing(source, { accessTtlSeconds: t.config.jwt.accessTtl })
    await ring.reload()
    const [newest, previous] = ring.list()
    expect(previous?.retiresAt).toBeDefined()
    const later = new KeyRing(source, {
      accessTtlSeconds: t.config.jwt.accessTtl,
      now: () => previous.retiresAt!.getTime(),
    })
    await later.reload()
    expect(later.list().map((k) => k.kid)).toEqual([newest.kid])
    // Stored for good: a fresh ring on today's clock no longer finds the old key either.
    const fresh = new KeyRing(source)
    await fresh.reload()
    expect(fresh.list().map((k) => k.kid)).toEqual([newest.kid])
  })
})
