import { api, signUp, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from '../index'
import { tokenHash } from '../tokens/opaque-tokens'
import { TestBrowser } from './testing/test-browser'
import {
  closedPort,
  startTestIdentityProvider,
  type TestIdentityProvider,
} from './testing/test-identity-provider'

const PUBLIC_URL = 'http://parley.test'
const callbackOf = (name: string) => `${PUBLIC_URL}/api/auth/oauth/${name}/callback/`
const clients = {
  acme: {
    clientId: 'parley-acme',
    clientSecret: 'acme-secret-0123456789abcdef',
    redirectUri: callbackOf('acme'),
  },
  gh: { clientId: 'parley-gh', clientSecret: 'gh-secret-0123456789abcdef', redirectUri: callbackOf('gh') },
  flaky: {
    clientId: 'parley-flaky',
    clientSecret: 'flaky-secret-0123456789abcdef',
    redirectUri: callbackOf('flaky'),
  },
}

type Count = { n: number }

describe('sign in with OAuth2 / OpenID Connect providers', () => {
  let t: TestServer
  let idp: TestIdentityProvider
  let flakyIdp: TestIdentityProvider

  beforeAll(async () => {
    idp = await startTestIdentityProvider([clients.acme, clients.gh])
    flakyIdp = await startTestIdentityProvider([clients.flaky])
    t = await startTestServer([authService], {
      PUBLIC_URL,
      OAUTH_PROVIDERS: 'acme,gh,flaky,down',
      OAUTH_ACME_ISSUER: idp.issuer,
      OAUTH_ACME_CLIENT_ID: clients.acme.clientId,
      OAUTH_ACME_CLIENT_SECRET: clients.acme.clientSecret,
      OAUTH_ACME_NAME: 'Acme SSO',
      OAUTH_GH_TYPE: 'github',
      OAUTH_GH_NAME: 'GitHub',
      OAUTH_GH_CLIENT_ID: clients.gh.clientId,
      OAUTH_GH_CLIENT_SECRET: clients.gh.clientSecret,
      OAUTH_GH_AUTHORIZATION_URL: `${idp.issuer}/auth`,
      OAUTH_GH_TOKEN_URL: `${idp.issuer}/token`,
      OAUTH_GH_API_URL: idp.issuer,
      OAUTH_FLAKY_ISSUER: flakyIdp.issuer,
      OAUTH_FLAKY_CLIENT_ID: clients.flaky.clientId,
      OAUTH_FLAKY_CLIENT_SECRET: clients.flaky.clientSecret,
      OAUTH_DOWN_ISSUER: `http://127.0.0.1:${await closedPort()}`,
      OAUTH_DOWN_CLIENT_ID: 'parley-down',
      OAUTH_DOWN_CLIENT_SECRET: 'down-secret',
    })
  })
  afterAll(async () => {
    await t?.close()
    await idp?.close()
    await flakyIdp?.close()
  })

  const browser = () => new TestBrowser(PUBLIC_URL, t.url)
  const startUrl = (provider: string, query = '') =>
    new URL(`${PUBLIC_URL}/api/auth/oauth/${provider}/start/${query}`)

  async function counts() {
    const one = async (q: ReturnType<typeof sql<Count>>) => Number((await q.execute(t.platform.db)).rows[0].n)
    return {
      users: await one(sql<Count>`select count(*) as n from auth.users`),
      links: await one(sql<Count>`select count(*) as n from auth.oauth_links`),
      handoffs: await one(sql<Count>`select count(*) as n from auth.oauth_handoffs`),
      tenants: await one(sql<Count>`select count(*) as n from auth.tenants`),
    }
  }

  /** Runs the browser side of a sign-in and, when it reached /oauth/complete, the web app's exchange. */
  async function signInThrough(
    b: TestBrowser,
    provider: string,
    options: { query?: string; onRedirect?: (next: URL) => Promise<URL | void> | URL | void } = {},
  ) {
    const landing = await b.follow(startUrl(provider, options.query), options.onRedirect)
    if (landing.pathname !== '/oauth/complete') return { landing, exchange: undefined }
    const res = await b.request(new URL(`${PUBLIC_URL}/api/auth/oauth/exchange/`), {
      method: 'POST',
      accept: 'application/json',
      body: JSON.stringify({ handoff: landing.searchParams.get('handoff') }),
    })
    return { landing, exchange: { status: res.status, body: (await res.json()) as Record<string, any> } }
  }

  /** Why the last provider sign-in failed, as logged (the cause's message; never a secret). */
  function lastFailureCause(): string {
    const lines = t.logs.parsed().filter((l) => l.msg === 'provider sign-in failed')
    return String(lines.at(-1)?.cause ?? '')
  }

  function account(
    fields: { email?: string; emailVerified?: boolean; login?: string; givenName?: string } = {},
  ) {
    return idp.addAccount({
      sub: String(100000 + Math.floor(Math.random() * 900000000)),
      email: `${unique('sso')}@example.com`,
      emailVerified: true,
      givenName: 'Grace',
      familyName: 'Hopper',
      ...fields,
    })
  }

  it('lists the configured providers for the buttons, without client ids or secrets', async () => {
    const res = await api(t.url).get('/api/auth/oauth/providers/')
    expect(res.status).toBe(200)
    expect(
      res.body.results.map((p: { name: string; display_name: string }) => [p.name, p.display_name]),
    ).toEqual([
      ['acme', 'Acme SSO'],
      ['gh', 'GitHub'],
      ['flaky', 'Flaky'],
      ['down', 'Down'],
    ])
    expect(res.body.results[0].start_url).toBe('/api/auth/oauth/acme/start/')
    expect(res.text).not.toContain('secret')
    expect(res.text).not.toContain('parley-acme')
    const schema = await api(t.url).get('/api/schema/')
    expect(schema.status).toBe(200)
    expect(Object.keys(schema.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/oauth/providers/',
        '/api/auth/oauth/{provider}/start/',
        '/api/auth/oauth/{provider}/callback/',
        '/api/auth/oauth/exchange/',
        '/api/auth/oauth/links/',
        '/api/auth/oauth/links/{provider}/',
      ]),
    )
  })

  it('signs up a new user through an OpenID provider and hands the web app a normal token pair', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const before = await counts()
    const b = browser()
    const start = await b.request(startUrl('acme', '?return_to=/people'))
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get('location')!)
    expect(authorize.origin).toBe(idp.issuer)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('nonce')).toBeTruthy()
    expect(authorize.searchParams.get('redirect_uri')).toBe(clients.acme.redirectUri)
    expect(start.headers.getSetCookie().join()).toMatch(/parley_oauth=.+HttpOnly; SameSite=Lax/)

    let callback: URL | undefined
    const { landing, exchange } = await signInThrough(b, 'acme', {
      query: '?return_to=/people',
      onRedirect: (next) => {
        if (next.pathname.endsWith('/callback/')) callback = next
      },
    })
    expect(landing.href).toMatch(/^http:\/\/parley\.test\/oauth\/complete\?handoff=[\w-]{43}$/)
    expect(exchange?.status).toBe(200)
    expect(exchange?.body.user.email).toBe(a.email)
    expect(exchange?.body.user.first_name).toBe('Grace')
    expect(exchange?.body.return_to).toBe('/people')

    const me = await api(t.url).get('/api/auth/me/', exchange?.body.access)
    expect(me.status).toBe(200)
    expect(me.body.id).toBe(exchange?.body.user.id)
    const refreshed = await api(t.url).post('/api/auth/token/refresh/', { refresh: exchange?.body.refresh })
    expect(refreshed.status).toBe(200)
    const links = await api(t.url).get('/api/auth/oauth/links/', exchange?.body.access)
    expect(links.body.results).toMatchObject([{ provider: 'acme', display_name: 'Acme SSO', email: a.email }])
    expect(await counts()).toMatchObject({ users: before.users + 1, links: before.links + 1 })

    const events = await sql<{ n: number }>`select count(*) as n from auth.outbox
      where type = 'user.registered' and payload->>'user_id' = ${exchange?.body.user.id}`.execute(
      t.platform.db,
    )
    expect(Number(events.rows[0].n)).toBe(1)

    // Secrets of the flow never reach a log line.
    const logs = t.logs.text()
    for (const secret of [
      callback!.searchParams.get('code')!,
      callback!.searchParams.get('state')!,
      landing.searchParams.get('handoff')!,
      exchange?.body.refresh,
      clients.acme.clientSecret,
    ])
      expect(logs).not.toContain(secret)
  })

  it('signs the same provider account in again as the same user', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const first = await signInThrough(browser(), 'acme')
    const second = await signInThrough(browser(), 'acme')
    expect(second.exchange?.status).toBe(200)
    expect(second.exchange?.body.user.id).toBe(first.exchange?.body.user.id)
  })

  it('links to an existing password account when the provider verified its email', async () => {
    const existing = await signUp(t.url)
    const a = account({ email: existing.email.toUpperCase(), emailVerified: true })
    idp.signInAs(a.sub)
    const { exchange } = await signInThrough(browser(), 'acme')
    expect(exchange?.status).toBe(200)
    expect(exchange?.body.user.id).toBe(existing.id)
    const login = await api(t.url).post('/api/auth/login/', {
      email: existing.email,
      password: existing.password,
    })
    expect(login.status).toBe(200)
  })

  it('never links an existing account by an unverified email, and creates nothing', async () => {
    const existing = await signUp(t.url)
    const a = account({ email: existing.email, emailVerified: false })
    idp.signInAs(a.sub)
    const before = await counts()
    const { landing } = await signInThrough(browser(), 'acme')
    expect(landing.pathname).toBe('/sign-in')
    expect(landing.searchParams.get('error')).toBe('account_exists')
    expect(await counts()).toEqual(before)
  })

  it('gives an unverified, unknown email a new account without a password; a reset sets the first one', async () => {
    const a = account({ emailVerified: false })
    idp.signInAs(a.sub)
    const { exchange } = await signInThrough(browser(), 'acme')
    expect(exchange?.status).toBe(200)
    const c = api(t.url)
    const access = exchange?.body.access as string

    const login = await c.post('/api/auth/login/', { email: a.email, password: 'anything at all' })
    expect(login.status).toBe(401)
    const change = await c.post(
      '/api/auth/change-password/',
      { old_password: 'whatever it is', new_password: 'brand new secret' },
      access,
    )
    expect(change.status).toBe(400)
    expect(change.body.errors.old_password[0]).toMatch(/no password yet/)

    const unlink = await c.delete('/api/auth/oauth/links/acme/', access)
    expect(unlink.status).toBe(409)
    expect(unlink.body.type).toBe('/problems/last-sign-in-method')

    expect((await c.post('/api/auth/forgot-password/', { email: a.email })).status).toBe(202)
    const mails = t.platform.mailer.outbox() as Array<{ to: string; text: string }>
    const token = /token=([\w-]{43})/.exec(mails.find((m) => m.to === a.email)!.text)![1]
    expect(
      (await c.post('/api/auth/reset-password/', { token, new_password: 'first real password' })).status,
    ).toBe(200)
    const again = await c.post('/api/auth/login/', { email: a.email, password: 'first real password' })
    expect(again.status).toBe(200)

    expect((await c.delete('/api/auth/oauth/links/acme/', again.body.access)).status).toBe(204)
    expect((await c.get('/api/auth/oauth/links/', again.body.access)).body.results).toEqual([])
    expect((await c.delete('/api/auth/oauth/links/acme/', again.body.access)).status).toBe(404)
  })

  it('rejects a tampered state and creates nothing', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const before = await counts()
    const { landing } = await signInThrough(browser(), 'acme', {
      onRedirect: (next) => {
        if (!next.pathname.endsWith('/callback/')) return
        const state = next.searchParams.get('state')!
        next.searchParams.set('state', state.slice(0, -2) + (state.endsWith('AA') ? 'BB' : 'AA'))
        return next
      },
    })
    expect(landing.searchParams.get('error')).toBe('invalid_state')
    expect(await counts()).toMatchObject({
      users: before.users,
      links: before.links,
      handoffs: before.handoffs,
    })
  })

  it('answers an API client with problem+json, and refuses a callback from another browser', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const b = browser()
    let callback: URL | undefined
    await b.follow(startUrl('acme'), (next) => {
      if (!next.pathname.endsWith('/callback/')) return
      callback = next
      return new URL(`${PUBLIC_URL}/stop-here`)
    })
    const before = await counts()
    // Another browser (an attacker's link, login CSRF): no cookie of the browser that started it.
    const other = await fetch(new URL(callback!.pathname + callback!.search, t.url), {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
    expect(other.status).toBe(400)
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/)
    expect(((await other.json()) as { type: string }).type).toBe('/problems/oauth-invalid-state')
    // The state was spent by that attempt: the right browser cannot use it afterwards either.
    const replay = await b.follow(callback!)
    expect(replay.searchParams.get('error')).toBe('invalid_state')
    expect(await counts()).toMatchObject({ users: before.users, links: before.links })
  })

  it('rejects a replayed authorization code and creates nothing', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const before = await counts()
    const { landing } = await signInThrough(browser(), 'acme', {
      onRedirect: async (next) => {
        if (!next.pathname.endsWith('/callback/')) return
        // Someone who got hold of the code (and verifier) redeems it first.
        const { rows } = await sql<{ code_verifier: string }>`select code_verifier from auth.oauth_states
          where state_hash = ${tokenHash(next.searchParams.get('state')!)}`.execute(t.platform.db)
        const redeemed = await fetch(`${idp.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: next.searchParams.get('code')!,
            redirect_uri: clients.acme.redirectUri,
            code_verifier: rows[0].code_verifier,
            client_id: clients.acme.clientId,
            client_secret: clients.acme.clientSecret,
          }),
        })
        expect(redeemed.status).toBe(200)
      },
    })
    expect(landing.searchParams.get('error')).toBe('code_rejected')
    expect(lastFailureCause()).toMatch(/error=invalid_grant/)
    expect(await counts()).toMatchObject({
      users: before.users,
      links: before.links,
      handoffs: before.handoffs,
    })
  })

  it('rejects an ID token with the wrong nonce and creates nothing', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const before = await counts()
    const { landing } = await signInThrough(browser(), 'acme', {
      onRedirect: (next) => {
        // The authorization request is altered on its way to the provider: the ID token carries another nonce.
        if (next.origin !== idp.issuer || !next.searchParams.has('nonce')) return
        next.searchParams.set('nonce', 'a-nonce-parley-never-issued')
        return next
      },
    })
    expect(landing.searchParams.get('error')).toBe('invalid_response')
    expect(lastFailureCause()).toMatch(/claim=nonce/)
    expect(await counts()).toMatchObject({
      users: before.users,
      links: before.links,
      handoffs: before.handoffs,
    })
  })

  it('sends the browser back with a clear error when the provider is down, before and during the flow', async () => {
    const before = await counts()
    const b = browser()
    const down = await b.follow(startUrl('down'))
    expect(down.pathname).toBe('/sign-in')
    expect(down.searchParams.get('error')).toBe('provider_unavailable')
    const api503 = await fetch(new URL('/api/auth/oauth/down/start/', t.url), { redirect: 'manual' })
    expect(api503.status).toBe(503)
    expect(((await api503.json()) as { type: string }).type).toBe('/problems/oauth-provider-unavailable')

    // Discovery worked at the start; the provider dies before the code is exchanged.
    flakyIdp.addAccount({ sub: '4242', email: `${unique('flaky')}@example.com`, emailVerified: true })
    flakyIdp.signInAs('4242')
    const { landing } = await signInThrough(b, 'flaky', {
      onRedirect: async (next) => {
        if (next.pathname.endsWith('/callback/')) await flakyIdp.close()
      },
    })
    expect(landing.searchParams.get('error')).toBe('provider_unavailable')
    expect(await counts()).toMatchObject({
      users: before.users,
      links: before.links,
      handoffs: before.handoffs,
    })
  })

  it('spends a handoff once, only in the browser that signed in', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const b = browser()
    const landing = await b.follow(startUrl('acme'))
    const handoff = landing.searchParams.get('handoff')!
    const exchangeUrl = new URL(`${PUBLIC_URL}/api/auth/oauth/exchange/`)

    const stolen = await api(t.url).post('/api/auth/oauth/exchange/', { handoff })
    expect(stolen.status).toBe(400)
    expect(stolen.body.type).toBe('/problems/invalid-handoff')

    const second = browser()
    const landing2 = await second.follow(startUrl('acme'))
    const body = JSON.stringify({ handoff: landing2.searchParams.get('handoff') })
    const ok = await second.request(exchangeUrl, { method: 'POST', accept: 'application/json', body })
    expect(ok.status).toBe(200)
    const again = await second.request(exchangeUrl, { method: 'POST', accept: 'application/json', body })
    expect(again.status).toBe(400)
  })

  it('carries the tenant chosen before the redirect; links are per tenant', async () => {
    const a = account()
    idp.signInAs(a.sub)
    const slug = unique('ws').toLowerCase()
    const inTenant = await signInThrough(browser(), 'acme', { query: `?tenant=${slug}` })
    const inDefault = await signInThrough(browser(), 'acme')
    expect(inTenant.exchange?.status).toBe(200)
    expect(inDefault.exchange?.status).toBe(200)
    expect(inTenant.exchange?.body.user.tenant_id).not.toBe(inDefault.exchange?.body.user.tenant_id)
    expect(inTenant.exchange?.body.user.id).not.toBe(inDefault.exchange?.body.user.id)
    const { rows } = await sql<{ slug: string; owner_id: string }>`select slug, owner_id from auth.tenants
      where id = ${inTenant.exchange?.body.user.tenant_id}`.execute(t.platform.db)
    expect(rows[0]).toEqual({ slug, owner_id: inTenant.exchange?.body.user.id })
  })

  it('refuses a return path that leaves the site', async () => {
    const res = await fetch(new URL('/api/auth/oauth/acme/start/?return_to=//evil.example', t.url), {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
    expect(res.status).toBe(400)
  })

  it("signs in through GitHub's plain OAuth2 (no OpenID) using only a verified email", async () => {
    const existing = await signUp(t.url)
    // The primary email is unverified; a secondary one is verified and matches nobody.
    const gh = idp.addAccount({
      sub: String(7000000 + Math.floor(Math.random() * 1000000)),
      login: 'octo-cat',
      givenName: 'Mona',
      familyName: 'Lisa Octocat',
      email: existing.email,
      emailVerified: false,
      otherEmails: [{ email: `${unique('mona')}@example.com`, verified: true }],
    })
    idp.signInAs(gh.sub)
    const b = browser()
    const start = await b.request(startUrl('gh'))
    const authorize = new URL(start.headers.get('location')!)
    expect(authorize.searchParams.get('scope')).toBe('read:user user:email')
    expect(authorize.searchParams.has('nonce')).toBe(false)
    const { exchange } = await signInThrough(b, 'gh')
    expect(exchange?.status).toBe(200)
    expect(exchange?.body.user.id).not.toBe(existing.id)
    expect(exchange?.body.user.email).toBe(gh.otherEmails![0].email)
    expect(exchange?.body.user.username).toBe('octo-cat')
    expect(exchange?.body.user.last_name).toBe('Lisa Octocat')

    // Only the unverified primary email: it matches the password account, so no link and no account.
    const onlyUnverified = idp.addAccount({ ...gh, sub: String(Number(gh.sub) + 1), otherEmails: [] })
    idp.signInAs(onlyUnverified.sub)
    const before = await counts()
    const refused = await signInThrough(browser(), 'gh')
    expect(refused.landing.searchParams.get('error')).toBe('account_exists')
    expect(await counts()).toMatchObject({ users: before.users, links: before.links })
  })
})
