import { request } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

import type { ServiceModule } from '../service'
import { api, startTestServer, type TestServer } from '../testing'

/** Records what reached the handler, so a test can tell that nothing was written. */
const written: unknown[] = []

const notesService: ServiceModule = {
  name: 'gateway',
  create: () => ({
    routes: async (app) => {
      app.post(
        '/api/notes/',
        {
          schema: {
            body: z
              .object({
                title: z.string().max(100),
                tags: z.array(z.object({ name: z.string() }).strict()).optional(),
              })
              .strict(),
          },
        },
        async (req, reply) => {
          written.push(req.body)
          return reply.code(201).send(req.body)
        },
      )
      app.post('/api/upload/', { schema: { consumes: ['multipart/form-data'] } }, async (req) => {
        const file = await req.file()
        return { size: file ? (await file.toBuffer()).length : 0 }
      })
      app.get('/api/notes/:id/', { schema: { params: z.object({ id: z.string() }) } }, async (req) => ({
        id: req.params.id,
      }))
      app.get(
        '/api/notes/',
        { schema: { querystring: z.object({ search: z.string().optional() }) } },
        async (req) => ({
          search: req.query.search ?? null,
        }),
      )
    },
  }),
}

/** POSTs raw bytes (fetch would re-encode them as valid UTF-8). */
function postRaw(url: string, body: Buffer, contentType = 'application/json') {
  return new Promise<{ status: number; type: string; body: any }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('the HTTP edge (issue 14)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([notesService])
  })
  afterAll(() => t?.close())

  describe('text PostgreSQL cannot store (point 4)', () => {
    it('answers a NUL in any text field with 400 problem+json naming the field, and writes nothing', async () => {
      const before = written.length
      const top = await api(t.url).post('/api/notes/', { title: 'a\u0000b' })
      expect(top.status).toBe(400)
      expect(top.headers.get('content-type')).toContain('application/problem+json')
      expect(top.body.errors).toEqual({ title: [expect.stringContaining('NUL')] })
      const nested = await api(t.url).post('/api/notes/', {
        title: 'ok',
        tags: [{ name: 'x' }, { name: '\u0000' }],
      })
      expect(nested.status).toBe(400)
      expect(Object.keys(nested.body.errors)).toEqual(['tags.1.name'])
      expect(written.length).toBe(before)
      // an escaped backslash followed by "u0000" is ordinary text
      expect((await api(t.url).post('/api/notes/', { title: '\\u0000' })).status).toBe(201)
    })

    it('answers invalid UTF-8 in a JSON body with 400 instead of storing U+FFFD', async () => {
      const before = written.length
      const bytes = Buffer.concat([
        Buffer.from('{"title":"caf'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ])
      const res = await postRaw(`${t.url}/api/notes/`, bytes)
      expect(res.status).toBe(400)
      expect(res.type).toContain('application/problem+json')
      expect(res.body.type).toBe('/problems/invalid-utf8')
      expect(written.length).toBe(before)
    })

    it('answers a NUL in a query or path parameter with 400 naming it', async () => {
      const query = await api(t.url).get('/api/notes/?search=a%00b')
      expect(query.status).toBe(400)
      expect(Object.keys(query.body.errors)).toEqual(['query.search'])
      const path = await api(t.url).get('/api/notes/a%00b/')
      expect(path.status).toBe(400)
      expect(path.headers.get('content-type')).toContain('application/problem+json')
    })
  })

  describe('HTTP conventions (point 9)', () => {
    it('answers a known path with the wrong method with 405 and Allow', async () => {
      const res = await api(t.url).delete('/api/notes/')
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST')
      expect(res.body.type).toBe('/problems/method-not-allowed')
      const param = await api(t.url).post('/api/notes/123/', {})
      expect(param.status).toBe(405)
      expect(param.headers.get('allow')).toBe('GET, HEAD')
      expect((await api(t.url).get('/api/nothing/')).status).toBe(404)
    })

    it('answers a JSON endpoint given another content type with 415 problem+json', async () => {
      const before = written.length
      const text = await postRaw(`${t.url}/api/notes/`, Buffer.from('{"title":"x"}'), 'text/plain')
      expect(text.status).toBe(415)
      expect(text.type).toContain('application/problem+json')
      const form = await postRaw(
        `${t.url}/api/notes/`,
        Buffer.from('title=x'),
        'application/x-www-form-urlencoded',
      )
      expect(form.status).toBe(415)
      const boundary = 'xyz'
      const multipart = await postRaw(
        `${t.url}/api/notes/`,
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--${boundary}--\r\n`,
        ),
        `multipart/form-data; boundary=${boundary}`,
      )
      expect(multipart.status).toBe(415)
      expect(multipart.body.type).toBe('/problems/unsupported-media-type')
      expect(written.length).toBe(before)
      expect(
        (
          await postRaw(
            `${t.url}/api/notes/`,
            Buffer.from('{"title":"x"}'),
            'application/json; charset=utf-8',
          )
        ).status,
      ).toBe(201)
    })
  })

  describe('edges before routing (fuzz findings)', () => {
    it('answers undecodable URLs, over-long path parameters and oversized headers in problem+json', async () => {
      const badUrl = await api(t.url).get('/api/notes/%C3%28/')
      expect(badUrl.status).toBe(400)
      expect(badUrl.body.type).toBe('/problems/malformed-url')
      const long = await api(t.url).get(`/api/notes/${'x'.repeat(500)}/`)
      expect(long.status).toBe(414)
      expect(long.headers.get('content-type')).toContain('application/problem+json')
      const huge = await api(t.url).get(`/api/notes/?search=${'x'.repeat(20_000)}`)
      expect(huge.status).toBe(431)
      expect(huge.headers.get('content-type')).toContain('application/problem+json')
    })

    it('answers an upload route given JSON, or a broken multipart body, with a 4xx', async () => {
      const json = await postRaw(`${t.url}/api/upload/`, Buffer.from('{}'))
      expect(json.status).toBe(415)
      const broken = await postRaw(
        `${t.url}/api/upload/`,
        Buffer.from('{"not":"multipart"}'),
        'multipart/form-data; boundary=x',
      )
      expect(broken.status).toBe(400)
      expect(broken.body.type).toBe('/problems/malformed-multipart')
    })
  })

  describe('caching of private answers (point 8)', () => {
    it('sends the security headers (CSP, nosniff, frame-ancestors) on every answer', async () => {
      for (const res of [await api(t.url).get('/api/notes/1/'), await api(t.url).get('/api/nothing/')]) {
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'")
        expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      }
    })

    it('sends Cache-Control: no-store on API answers, errors included', async () => {
      expect((await api(t.url).get('/api/notes/1/')).headers.get('cache-control')).toBe('no-store')
      expect((await api(t.url).post('/api/notes/', { title: 'x' })).headers.get('cache-control')).toBe(
        'no-store',
      )
      expect((await api(t.url).get('/api/nothing/')).headers.get('cache-control')).toBe('no-store')
    })
  })
})

describe('TRUST_PROXY (point 1)', () => {
  async function ipSeenWith(env: Record<string, string>) {
    const t = await startTestServer([notesService], env)
    try {
      await api(t.url).get('/api/notes/1/', undefined, {
        'x-forwarded-for': '203.0.113.7, 198.51.100.8',
        'x-request-id': 'xff-probe',
      })
      return t.logs.parsed().find((l) => l.reqId === 'xff-probe' && l.msg === 'request')?.ip
    } finally {
      await t.close()
    }
  }

  it('ignores X-Forwarded-For by default, in either mode', async () => {
    expect(await ipSeenWith({})).toBe('127.0.0.1')
  })

  it('takes the client from the hops it trusts: a count, or the proxies it names', async () => {
    expect(await ipSeenWith({ TRUST_PROXY: '1' })).toBe('198.51.100.8')
    expect(await ipSeenWith({ TRUST_PROXY: '127.0.0.1/32' })).toBe('198.51.100.8')
    expect(await ipSeenWith({ TRUST_PROXY: '10.0.0.0/8' })).toBe('127.0.0.1')
  })
})

describe('/metrics off the public port (point 11)', () => {
  it('is not served on the public port by default, and is on METRICS_PORT', async () => {
    const t = await startTestServer([notesService], { METRICS_PORT: '0' })
    try {
      expect((await api(t.url).get('/metrics')).status).toBe(404)
      const { port } = t.server.app.metricsServer!.address() as AddressInfo
      expect(port).not.toBe(new URL(t.url).port)
      const res = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('parley_http_requests_total')
    } finally {
      await t.close()
    }
  })

  it('needs the METRICS_TOKEN bearer on the public port', async () => {
    const token = 'metrics-token-0123456789'
    const t = await startTestServer([notesService], { METRICS_TOKEN: token })
    try {
      const anonymous = await api(t.url).get('/metrics')
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('content-type')).toContain('application/problem+json')
      expect((await api(t.url).get('/metrics', 'wrong-token-0123456789xx')).status).toBe(401)
      const ok = await api(t.url).get('/metrics', token)
      expect(ok.status).toBe(200)
      expect(ok.text).toContain('parley_http_requests_total')
    } finally {
      await t.close()
    }
  })
})

describe('429s that say what happened (point 2)', () => {
  it('answers the general anonymous limit with Retry-After, RateLimit-Policy, RateLimit and problem+json', async () => {
    const t = await startTestServer([notesService], { RATE_LIMITS: 'on' })
    try {
      let last
      for (let i = 0; i < 21; i++) last = await api(t.url).get('/api/notes/1/')
      if (!last) throw new Error('no answer')
      expect(last.status).toBe(429)
      expect(last.headers.get('content-type')).toContain('application/problem+json')
      expect(last.body.type).toBe('/problems/rate-limited')
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(last.headers.get('ratelimit-policy')).toBe('"anonymous";q=20;w=60')
      expect(last.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/)
      expect(last.headers.get('ratelimit-limit')).toBe('20')
    } finally {
      await t.close()
    }
  })
})
