import { request } from 'node:http'

import { eventually, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from './index'

const password = 'correct horse battery'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: { type?: string } | undefined
}

let nextIp = 10
/** A client whose requests come from its own loopback address, so each test has its own per-IP budget. */
function clientFrom(baseUrl: string) {
  const localAddress = `127.0.0.${nextIp++}`
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = JSON.stringify(body)
      const req = request(
        `${baseUrl}${path}`,
        {
          method: 'POST',
          localAddress,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text ? JSON.parse(text) : undefined,
            })
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  return { post }
}

describe('auth rate limits (RATE_LIMITS=on)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([authService], { RATE_LIMITS: 'on' })
  })
  afterAll(() => t?.close())

  async function register() {
    const email = `${unique('rl')}@example.com`
    const res = await clientFrom(t.url).post('/api/auth/register/', {
      email,
      username: unique('rl'),
      password,
    })
    expect(res.status).toBe(201)
    return email
  }

  it('limits login to 10 per minute per IP and email, answering 429 with Retry-After', async () => {
    const email = await register()
    const c = clientFrom(t.url)
    for (let i = 0; i < 10; i++) {
      expect((await c.post('/api/auth/login/', { email, password: 'wrong password' })).status).toBe(401)
    }
    // the 11th is refused even with the right password, whatever the email's letter case
    const limited = await c.post('/api/auth/login/', { email: email.toUpperCase(), password })
    expect(limited.status).toBe(429)
    expect(limited.body?.type).toBe('/problems/rate-limited')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers['ratelimit-limit']).toBe('10')
    expect(limited.headers['ratelimit-policy']).toBe('"route";q=10;w=60')
    expect(limited.headers['ratelimit']).toMatch(/^"route";r=0;t=\d+$/)
    // another email from the same IP, and the same email from another IP, are still allowed
    expect(
      (await c.post('/api/auth/login/', { email: `${unique('other')}@example.com`, password })).status,
    ).toBe(401)
    expect((await clientFrom(t.url).post('/api/auth/login/', { email, password })).status).toBe(200)
  })

  it('keeps the general per-IP limit (20/min) on login across emails', async () => {
    const c = clientFrom(t.url)
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) {
      statuses.push(
        (await c.post('/api/auth/login/', { email: `${unique('spray')}@example.com`, password })).status,
      )
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses[20]).toBe(429)
  })

  it('ignores a forged X-Forwarded-For unless TRUST_PROXY names the proxy', async () => {
    const email = await register()
    const c = clientFrom(t.url)
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      const forged = { 'x-forwarded-for': `203.0.113.${i + 1}` }
      statuses.push((await c.post('/api/auth/login/', { email, password: 'wrong password' }, forged)).status)
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses[10]).toBe(429)
  })

  it('throttles an account after 20 failures whatever the IP, the letter case or spaces; a reset unlocks it', async () => {
    const email = await register()
    const variants = [
      email,
      email.toUpperCase(),
      `  ${email} `,
      `\t${email.replace(/^./, (ch) => ch.toUpperCase())}`,
    ]
    for (let i = 0; i < 20; i++) {
      // a new source address and a new forged X-Forwarded-For every time
      const res = await clientFrom(t.url).post(
        '/api/auth/login/',
        { email: variants[i % variants.length], password: 'wrong password' },
        { 'x-forwarded-for': `198.51.100.${i + 1}` },
      )
      expect(res.status).toBe(401)
    }
    const limited = await clientFrom(t.url).post('/api/auth/login/', { email, password })
    expect(limited.status).toBe(429)
    expect(limited.headers['content-type']).toContain('application/problem+json')
    expect(limited.body?.type).toBe('/problems/rate-limited')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(60)
    expect(limited.headers['ratelimit-policy']).toBe('"login-account";q=20;w=900')
    expect(limited.headers['ratelimit']).toMatch(/^"login-account";r=0;t=\d+$/)
    // another account is not affected
    const other = await register()
    expect((await clientFrom(t.url).post('/api/auth/login/', { email: other, password })).status).toBe(200)
    // the owner can still reset the password, and then sign in
    expect((await clientFrom(t.url).post('/api/auth/forgot-password/', { email })).status).toBe(202)
    const mail = await eventually(() => t.platform.mailer.outbox().find((m) => m.to === email))
    const token = /token=([\w-]+)/.exec(mail.text)![1]
    const newPassword = 'a brand new passphrase'
    const reset = await clientFrom(t.url).post('/api/auth/reset-password/', {
      token,
      new_password: newPassword,
    })
    expect(reset.status).toBe(200)
    expect((await clientFrom(t.url).post('/api/auth/login/', { email, password: newPassword })).status).toBe(
      200,
    )
  })

  it('limits anonymous requests to 20 per minute per IP', async () => {
    const c = clientFrom(t.url)
    const answers = []
    for (let i = 0; i < 21; i++)
      answers.push(await c.post('/api/auth/token/refresh/', { refresh: 'x'.repeat(43) }))
    expect(answers.slice(0, 20).every((a) => a.status === 401)).toBe(true)
    const limited = answers[20]
    expect(limited.status).toBe(429)
    expect(limited.headers['content-type']).toContain('application/problem+json')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers['ratelimit-policy']).toBe('"anonymous";q=20;w=60')
  })

  it('sends at most 2 reset mails per email per hour, still answering 202', async () => {
    const email = await register()
    const c = clientFrom(t.url)
    for (let i = 0; i < 4; i++) {
      const res = await c.post('/api/auth/forgot-password/', { email: i % 2 ? email.toUpperCase() : email })
      expect(res.status).toBe(202)
    }
    // from another IP too: the limit is per email
    expect((await clientFrom(t.url).post('/api/auth/forgot-password/', { email })).status).toBe(202)
    await new Promise((r) => setTimeout(r, 100))
    expect(t.platform.mailer.outbox().filter((m) => m.to === email)).toHaveLength(2)
  })
})
