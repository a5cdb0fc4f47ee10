import { request } from 'node:http'
import { startTestServer, unique, type TestServer } from '@parley/platform/testing'
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
  const post = (path: string, body: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = JSON.stringify(body)
      const req = request(
        `${baseUrl}${path}`,
        {
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
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

  it('limits anonymous requests to 20 per minute per IP', async () => {
    const c = clientFrom(t.url)
    const statuses: number[] = []
    for (let i = 0; i < 21; i++)
      statuses.push((await c.post('/api/auth/token/refresh/', { refresh: 'x'.repeat(43) })).status)
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses[20]).toBe(429)
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
