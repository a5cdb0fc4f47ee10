import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { api, eventually, signUp, startTestServer, unique, type TestServer } from '@parley/platform/testing'
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
} from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { authService } from './index'

type Mail = { to: string; text: string }

async function resetLinkFor(url: string, email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mails = (await api(url).get('/api/dev/mailbox/')).body as Array<{ to: string; text: string }>
    const mail = mails.find((m) => m.to === email)
    const token = mail?.text.match(/reset-password\?token=([A-Za-z0-9_-]+)/)?.[1]
    if (token) return token
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no reset mail for ${email}`)
}

describe('auth sessions: refresh, logout, passwords', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([authService])
  })
  afterAll(() => t?.close())
  afterEach(() => {
    vi.useRealTimers()
  })

  it('rotates refresh tokens: a new pair each time, same session id', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const r1 = await c.post('/api/auth/token/refresh/', { refresh: user.refresh })
    expect(r1.status).toBe(200)
    expect(Object.keys(r1.body).sort()).toEqual(['access', 'refresh'])
    expect(r1.body.refresh).not.toBe(user.refresh)
    expect(decodeJwt(r1.body.access).sid).toBe(decodeJwt(user.access).sid)
    expect((await c.get('/api/auth/me/', r1.body.access)).status).toBe(200)
    const r2 = await c.post('/api/auth/token/refresh/', { refresh: r1.body.refresh })
    expect(r2.status).toBe(200)
  })

  it('revokes the whole family when an already-used refresh token is presented again', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const r1 = (await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).body
    const r2 = (await c.post('/api/auth/token/refresh/', { refresh: r1.refresh })).body
    // user.refresh is the grandparent of the newest token: no grace, this is reuse
    const reuse = await c.post('/api/auth/token/refresh/', { refresh: user.refresh })
    expect(reuse.status).toBe(401)
    expect(reuse.body.type).toBe('/problems/invalid-refresh-token')
    expect((await c.post('/api/auth/token/refresh/', { refresh: r2.refresh })).status).toBe(401)
    expect((await c.get('/api/auth/me/', r2.access)).status).toBe(401)
    // another session of the same user is untouched
    const other = await c.post('/api/auth/login/', { email: user.email, password: user.password })
    expect((await c.get('/api/auth/me/', other.body.access)).status).toBe(200)
  })

  it('answers the same new pair to the parent of the newest token within 10 s (two tabs)', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const tabA = await c.post('/api/auth/token/refresh/', { refresh: user.refresh })
    const tabB = await c.post('/api/auth/token/refresh/', { refresh: user.refresh })
    expect(tabB.status).toBe(200)
    expect(tabB.body).toEqual(tabA.body)
    // both tabs now hold a working pair, and the family lives on
    expect((await c.get('/api/auth/me/', tabB.body.access)).status).toBe(200)
    expect((await c.post('/api/auth/token/refresh/', { refresh: tabB.body.refresh })).status).toBe(200)
  })

  it('answers concurrent refreshes of one token with one pair', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const answers = await Promise.all(
      [1, 2, 3].map(() => c.post('/api/auth/token/refresh/', { refresh: user.refresh })),
    )
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(new Set(answers.map((a) => a.body.refresh)).size).toBe(1)
  })

  it('treats the parent as reuse once the 10 s grace has passed', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    vi.useFakeTimers({ toFake: ['Date'] })
    const next = (await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).body
    vi.setSystemTime(Date.now() + 10_500)
    expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(401)
    expect((await c.post('/api/auth/token/refresh/', { refresh: next.refresh })).status).toBe(401)
  })

  it('refuses unknown, malformed and expired refresh tokens', async () => {
    const c = api(t.url)
    expect((await c.post('/api/auth/token/refresh/', { refresh: 'x'.repeat(43) })).status).toBe(401)
    expect((await c.post('/api/auth/token/refresh/', { refresh: 'garbage' })).status).toBe(401)
    expect((await c.post('/api/auth/token/refresh/', {})).status).toBe(400)
    const user = await signUp(t.url)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + t.config.jwt.refreshTtl * 1000 + 1000)
    expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(401)
  })

  it('logs out: the access tokens of that session answer 401 at once, other sessions live on', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const other = (await c.post('/api/auth/login/', { email: user.email, password: user.password })).body
    const out = await c.post('/api/auth/logout/', { refresh: user.refresh }, user.access)
    expect(out.status).toBe(204)
    expect(out.text).toBe('')
    const me = await c.get('/api/auth/me/', user.access)
    expect(me.status).toBe(401)
    expect(me.body.type).toBe('/problems/unauthorized')
    expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(401)
    expect((await c.get('/api/auth/me/', other.access)).status).toBe(200)
    // the revocation is persisted for restarts, until the access tokens would have expired
    const row = await t.platform.db
      .withSchema('auth')
      .selectFrom('revoked_sessions')
      .selectAll()
      .where('session_id', '=', decodeJwt(user.access).sid as string)
      .executeTakeFirst()
    expect(new Date(row!.revoked_until).getTime()).toBeGreaterThanOrEqual(decodeJwt(user.access).exp! * 1000)
    // logging out twice is fine; a token that never existed is not
    expect((await c.post('/api/auth/logout/', { refresh: user.refresh })).status).toBe(204)
    expect((await c.post('/api/auth/logout/', { refresh: 'y'.repeat(43) })).status).toBe(401)
  })

  it('answers 503 when the deny-list cannot be told, and a retried logout completes it', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const revocations = t.platform.revocations
    const original = revocations.revoke
    let failures = 1
    revocations.revoke = async (sessionId, until) => {
      if (failures-- > 0)
        throw Object.assign(new Error('redis unreachable'), { name: 'MaxRetriesPerRequestError' })
      return original.call(revocations, sessionId, until)
    }
    try {
      const first = await c.post('/api/auth/logout/', { refresh: user.refresh })
      expect(first.status).toBe(503)
      const retry = await c.post('/api/auth/logout/', { refresh: user.refresh })
      expect(retry.status).toBe(204)
      expect((await c.get('/api/auth/me/', user.access)).status).toBe(401)
    } finally {
      revocations.revoke = original
    }
  })

  it('keeps a password change when the deny-list is briefly unreachable, and revokes in the background', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const other = (await c.post('/api/auth/login/', { email: user.email, password: user.password })).body
    const revocations = t.platform.revocations
    const original = revocations.revoke
    let failures = 1
    revocations.revoke = async (sessionId, until) => {
      if (failures-- > 0) throw new Error('redis unreachable')
      return original.call(revocations, sessionId, until)
    }
    try {
      const res = await c.post(
        '/api/auth/change-password/',
        { old_password: user.password, new_password: 'changed while down' },
        user.access,
      )
      expect(res.status).toBe(200)
      await eventually(async () => (await c.get('/api/auth/me/', other.access)).status === 401)
    } finally {
      revocations.revoke = original
    }
  })

  it('changes the password, keeping this session and revoking every other', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const other = (await c.post('/api/auth/login/', { email: user.email, password: user.password })).body
    const wrongOld = await c.post(
      '/api/auth/change-password/',
      { old_password: 'not my password', new_password: 'brand new secret' },
      user.access,
    )
    expect(wrongOld.status).toBe(400)
    expect(Object.keys(wrongOld.body.errors)).toEqual(['old_password'])
    const weak = await c.post(
      '/api/auth/change-password/',
      { old_password: user.password, new_password: '12345678901' },
      user.access,
    )
    expect(weak.status).toBe(400)
    expect(Object.keys(weak.body.errors)).toEqual(['new_password'])
    expect(
      (
        await c.post('/api/auth/change-password/', {
          old_password: user.password,
          new_password: 'brand new secret',
        })
      ).status,
    ).toBe(401)

    const ok = await c.post(
      '/api/auth/change-password/',
      { old_password: user.password, new_password: 'brand new secret' },
      user.access,
    )
    expect(ok.status).toBe(200)
    expect((await c.get('/api/auth/me/', user.access)).status).toBe(200)
    expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(200)
    expect((await c.get('/api/auth/me/', other.access)).status).toBe(401)
    expect((await c.post('/api/auth/token/refresh/', { refresh: other.refresh })).status).toBe(401)
    expect((await c.post('/api/auth/login/', { email: user.email, password: user.password })).status).toBe(
      401,
    )
    expect(
      (await c.post('/api/auth/login/', { email: user.email, password: 'brand new secret' })).status,
    ).toBe(200)
  })

  it('resets a forgotten password through the dev mailbox; the token is single use and every session ends', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const forgot = await c.post('/api/auth/forgot-password/', { email: user.email.toUpperCase() })
    expect(forgot.status).toBe(202)
    const token = await resetLinkFor(t.url, user.email)
    const mail = (await c.get('/api/dev/mailbox/')).body.find((m: Mail) => m.to === user.email)
    expect(mail.text).toContain(`${t.config.http.publicUrl}/reset-password?token=${token}`)

    // only a hash of the token is stored
    const stored = await t.platform.db
      .withSchema('auth')
      .selectFrom('password_resets')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute()
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toContain(token)

    const weak = await c.post('/api/auth/reset-password/', { token, new_password: user.email })
    expect(weak.status).toBe(400)
    expect(Object.keys(weak.body.errors)).toEqual(['new_password'])
    const ok = await c.post('/api/auth/reset-password/', { token, new_password: 'a fresh password' })
    expect(ok.status).toBe(200)
    expect((await c.get('/api/auth/me/', user.access)).status).toBe(401)
    expect((await c.post('/api/auth/token/refresh/', { refresh: user.refresh })).status).toBe(401)
    expect(
      (await c.post('/api/auth/login/', { email: user.email, password: 'a fresh password' })).status,
    ).toBe(200)

    const again = await c.post('/api/auth/reset-password/', { token, new_password: 'yet another one' })
    expect(again.status).toBe(400)
    expect(Object.keys(again.body.errors)).toEqual(['token'])
    expect(
      (await c.post('/api/auth/login/', { email: user.email, password: 'a fresh password' })).status,
    ).toBe(200)
  })

  it('refuses a reset token after 30 minutes', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    await c.post('/api/auth/forgot-password/', { email: user.email })
    const token = await resetLinkFor(t.url, user.email)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 30 * 60_000 + 1000)
    const late = await c.post('/api/auth/reset-password/', { token, new_password: 'too late now' })
    expect(late.status).toBe(400)
    expect(Object.keys(late.body.errors)).toEqual(['token'])
  })

  it('answers 202 for unknown emails without sending, and 400 for malformed ones', async () => {
    const c = api(t.url)
    const ghost = `${unique('ghost')}@example.com`
    const res = await c.post('/api/auth/forgot-password/', { email: ghost })
    expect(res.status).toBe(202)
    expect((await c.get('/api/dev/mailbox/')).body.some((m: Mail) => m.to === ghost)).toBe(false)
    const bad = await c.post('/api/auth/forgot-password/', { email: 'not an email' })
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.errors)).toEqual(['email'])
    expect(
      (await c.post('/api/auth/reset-password/', { token: 'nope', new_password: 'whatever 123' })).status,
    ).toBe(400)
  })

  it('never logs passwords, hashes or session tokens', async () => {
    const logs = t.logs.text()
    expect(logs).toContain('"route":"/api/auth/token/refresh/"')
    for (const secret of ['correct horse battery', 'brand new secret', 'a fresh password', '$argon2id$']) {
      expect(logs).not.toContain(secret)
    }
    expect(logs).not.toMatch(/"(access|refresh)":"ey/)
  })
})

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
