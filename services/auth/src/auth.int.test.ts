import { api, signUp, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService, createTenant } from './index'

const password = 'correct horse battery'

type OutboxRow = { tenant_id: string; payload: Record<string, unknown> }

describe('auth: register, login, me, tenants', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([authService])
  })
  afterAll(() => t?.close())

  it('registers, logs in and answers /me/ with the user shape and no secrets', async () => {
    const c = api(t.url)
    const email = `${unique('Reg')}@Example.com`
    const reg = await c.post('/api/auth/register/', {
      email,
      username: unique('reg'),
      password,
      first_name: 'Ada',
      last_name: 'L',
    })
    expect(reg.status).toBe(201)
    expect(Object.keys(reg.body).sort()).toEqual(
      [
        'avatar_url',
        'date_joined',
        'email',
        'first_name',
        'id',
        'last_name',
        'person_id',
        'tenant_id',
        'username',
      ].sort(),
    )
    expect(reg.body.person_id).toMatch(/^[1-9]\d{5}$/)
    expect(reg.body.avatar_url).toBeNull()
    expect(reg.text).not.toMatch(/argon2|password/)

    const login = await c.post('/api/auth/login/', { email: email.toUpperCase(), password })
    expect(login.status).toBe(200)
    expect(login.body.user).toEqual(reg.body)
    expect(typeof login.body.refresh).toBe('string')
    expect(login.text).not.toContain('argon2')

    const header = decodeProtectedHeader(login.body.access)
    expect(header.alg).toBe('EdDSA')
    expect(header.kid).toBeTruthy()
    const claims = decodeJwt(login.body.access)
    expect(claims).toMatchObject({
      sub: reg.body.id,
      tid: reg.body.tenant_id,
      pid: reg.body.person_id,
      iss: 'parley',
      aud: 'parley:access',
    })
    expect(claims.sid).toBeTruthy()
    expect(claims.jti).toBeTruthy()
    expect(claims.exp! - claims.iat!).toBe(t.config.jwt.accessTtl)

    const me = await c.get('/api/auth/me/', login.body.access)
    expect(me.status).toBe(200)
    expect(me.body).toEqual(reg.body)

    const prot = await c.get('/api/auth/protected/', login.body.access)
    expect(prot.status).toBe(200)
    expect(prot.body).toEqual({ message: expect.any(String), user_id: reg.body.id })
  })

  it('publishes user.registered with the full snapshot', async () => {
    const user = await signUp(t.url, { first_name: 'Grace' })
    await t.platform.bus.drain()
    const rows = await t.platform.db
      .withSchema('auth')
      .selectFrom('outbox')
      .selectAll()
      .where('type', '=', 'user.registered')
      .execute()
    const event = (rows as OutboxRow[]).find((r) => r.payload.user_id === user.id)!
    expect(event.tenant_id).toBe(user.tenant_id)
    expect(event.payload).toEqual({
      user_id: user.id,
      tenant_id: user.tenant_id,
      person_id: user.person_id,
      email: user.email,
      username: user.username,
      first_name: 'Grace',
      last_name: '',
      avatar_url: null,
    })
  })

  it('refuses a duplicate email in any letter case and a duplicate username', async () => {
    const c = api(t.url)
    const email = `${unique('dup')}@example.com`
    const username = unique('dup')
    expect((await c.post('/api/auth/register/', { email, username, password })).status).toBe(201)
    const again = await c.post('/api/auth/register/', {
      email: email.toUpperCase(),
      username: unique('other'),
      password,
    })
    expect(again.status).toBe(400)
    expect(again.body.type).toBe('/problems/validation-error')
    expect(Object.keys(again.body.errors)).toEqual(['email'])
    const sameName = await c.post('/api/auth/register/', {
      email: `${unique('x')}@example.com`,
      username: username.toUpperCase(),
      password,
    })
    expect(sameName.status).toBe(400)
    expect(Object.keys(sameName.body.errors)).toEqual(['username'])
  })

  it('answers weak passwords with per-field errors', async () => {
    const c = api(t.url)
    const email = `${unique('weak')}@example.com`
    const cases: Array<[string, RegExp]> = [
      ['short1', /at least 8/],
      ['1234567890', /numeric/],
      [email.toUpperCase(), /email/],
    ]
    for (const [pw, message] of cases) {
      const res = await c.post('/api/auth/register/', { email, username: unique('weak'), password: pw })
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.body.errors.password.join(' ')).toMatch(message)
    }
    const many = await c.post('/api/auth/register/', {
      email: 'not-an-email',
      username: '',
      password: 'x',
      extra: 1,
    })
    expect(many.status).toBe(400)
    expect(Object.keys(many.body.errors).sort()).toEqual(
      expect.arrayContaining(['email', 'extra', 'username']),
    )
  })

  it('answers an unknown email, a wrong password and an unknown tenant alike', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const wrong = await c.post('/api/auth/login/', { email: user.email, password: 'wrong password!' })
    const unknown = await c.post('/api/auth/login/', {
      email: `${unique('nobody')}@example.com`,
      password: 'wrong password!',
    })
    const noTenant = await c.post('/api/auth/login/', {
      email: user.email,
      password: user.password,
      tenant: unique('nowhere'),
    })
    expect(wrong.status).toBe(401)
    for (const other of [unknown, noTenant]) {
      expect(other.status).toBe(wrong.status)
      expect(other.text).toBe(wrong.text)
      expect(other.headers.get('content-type')).toBe(wrong.headers.get('content-type'))
    }
  })

  it('spends comparable argon2 time on an unknown email and on a wrong password', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const time = async (email: string) => {
      const start = performance.now()
      await c.post('/api/auth/login/', { email, password: 'wrong password!' })
      return performance.now() - start
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 7; i++) {
      known.push(await time(user.email))
      unknown.push(await time(`${unique('ghost')}@example.com`))
    }
    // @NOTE Minimums, as load only ever adds time. Without the dummy verification an unknown
    // email answers in about a tenth of the time of a wrong password.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.5)
  })

  it('rejects malformed JSON (400), oversized bodies (413) and unknown fields', async () => {
    const c = api(t.url)
    const bad = await c.post('/api/auth/login/', '{"email": ')
    expect(bad.status).toBe(400)
    expect(bad.body.type).toBe('/problems/malformed-json')
    const big = await c.post('/api/auth/register/', {
      email: 'a@example.com',
      username: 'a',
      password: 'x'.repeat(2 * 1024 * 1024),
    })
    expect(big.status).toBe(413)
    expect(big.body.type).toBe('/problems/payload-too-large')
    const extra = await c.post('/api/auth/login/', {
      email: 'a@example.com',
      password: 'whatever1',
      admin: true,
    })
    expect(extra.status).toBe(400)
    expect(extra.body.errors.admin).toBeDefined()
  })

  it('lets the same email register in two tenants, each token carrying its own tid', async () => {
    const c = api(t.url)
    const email = `${unique('both')}@example.com`
    const slug = unique('acme').toLowerCase()
    const a = await signUp(t.url, { email })
    const b = await signUp(t.url, { email, tenant: slug })
    expect(a.tenant_id).not.toBe(b.tenant_id)
    expect(decodeJwt(a.access).tid).toBe(a.tenant_id)
    expect(decodeJwt(b.access).tid).toBe(b.tenant_id)
    // the registrant of a new slug owns it
    const tenant = await t.platform.db
      .withSchema('auth')
      .selectFrom('tenants')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst()
    expect(tenant).toMatchObject({ id: b.tenant_id, owner_id: b.id })
    // a second user joins the existing tenant instead of owning it
    const c2 = await signUp(t.url, { tenant: slug })
    expect(c2.tenant_id).toBe(b.tenant_id)
    // logging in picks the tenant
    const inA = await c.post('/api/auth/login/', { email, password: a.password })
    expect(inA.body.user.id).toBe(a.id)
    const inB = await c.post('/api/auth/login/', { email, password: b.password, tenant: slug })
    expect(inB.body.user.id).toBe(b.id)
  })

  it('creates a new tenant once when several people register with its slug at the same time', async () => {
    const slug = unique('race').toLowerCase()
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        api(t.url).post('/api/auth/register/', {
          email: `${unique('r')}@example.com`,
          username: unique('r'),
          password,
          tenant: slug,
        }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201])
    expect(new Set(answers.map((a) => a.body.tenant_id)).size).toBe(1)
    const tenant = await t.platform.db
      .withSchema('auth')
      .selectFrom('tenants')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst()
    expect(answers.map((a) => a.body.id)).toContain(tenant!.owner_id)
  })

  it('creates tenants for the CLI and refuses a taken or bad slug', async () => {
    const slug = unique('cli').toLowerCase()
    const tenant = await createTenant(t.platform.db, slug)
    expect(tenant).toMatchObject({ slug, owner_id: null })
    await expect(createTenant(t.platform.db, slug)).rejects.toMatchObject({ status: 409 })
    await expect(createTenant(t.platform.db, 'Not a slug!')).rejects.toMatchObject({ status: 400 })
    const user = await signUp(t.url, { tenant: slug })
    expect(user.tenant_id).toBe(tenant.id)
  })

  it('serves the JWKS and documents every auth endpoint in OpenAPI', async () => {
    const c = api(t.url)
    const jwks = await c.get('/.well-known/jwks.json')
    expect(jwks.status).toBe(200)
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
    expect(jwks.body.keys[0].d).toBeUndefined()

    const doc = (await c.get('/api/schema/')).body
    const expected: Array<[string, string, boolean]> = [
      ['/api/auth/register/', 'post', true],
      ['/api/auth/login/', 'post', true],
      ['/api/auth/token/refresh/', 'post', true],
      ['/api/auth/logout/', 'post', true],
      ['/api/auth/me/', 'get', false],
      ['/api/auth/change-password/', 'post', true],
      ['/api/auth/upload-avatar/', 'post', false],
      ['/api/auth/remove-avatar/', 'delete', false],
      ['/api/auth/forgot-password/', 'post', true],
      ['/api/auth/reset-password/', 'post', true],
      ['/api/auth/protected/', 'get', false],
      ['/.well-known/jwks.json', 'get', false],
    ]
    for (const [path, method, hasBody] of expected) {
      const op = doc.paths[path]?.[method]
      expect(op, `${method} ${path}`).toBeDefined()
      expect(op.tags).toEqual(['auth'])
      if (hasBody) expect(op.requestBody.content['application/json'].schema, path).toBeDefined()
      const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))!
      expect(ok, path).toBeDefined()
    }
    expect(
      doc.paths['/api/auth/me/'].get.responses['200'].content['application/json'].schema.properties.person_id,
    ).toBeDefined()
  })

  it('never logs a password, a password hash or a token', async () => {
    const user = await signUp(t.url)
    await api(t.url).get('/api/auth/me/', user.access)
    const logs = t.logs.text()
    expect(logs).toContain('"route":"/api/auth/login/"')
    expect(logs).not.toContain(user.password)
    expect(logs).not.toContain(user.access)
    expect(logs).not.toContain(user.refresh)
    expect(logs).not.toContain('$argon2id$')
  })
})

describe('auth: closed tenant signup', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([authService], { TENANT_SIGNUP: 'closed' })
  })
  afterAll(() => t?.close())

  it('refuses an unknown tenant on the tenant field, but registers in the default and in created tenants', async () => {
    const c = api(t.url)
    const res = await c.post('/api/auth/register/', {
      email: `${unique('c')}@example.com`,
      username: unique('c'),
      password,
      tenant: 'nowhere',
    })
    expect(res.status).toBe(400)
    expect(Object.keys(res.body.errors)).toEqual(['tenant'])
    const slug = unique('made').toLowerCase()
    await createTenant(t.platform.db, slug)
    expect((await signUp(t.url, { tenant: slug })).tenant_id).toBeTruthy()
    expect((await signUp(t.url)).tenant_id).toBeTruthy()
  })
})
