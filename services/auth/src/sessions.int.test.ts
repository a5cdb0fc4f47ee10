import { api, eventually, signUp, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { decodeJwt } from 'jose'
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
