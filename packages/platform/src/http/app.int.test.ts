import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

import type { ServiceModule } from '../service'
import { api, startTestServer, type TestServer } from '../testing'
import { authenticate } from './app'

const echoService: ServiceModule = {
  name: 'gateway',
  create: () => ({
    routes: async (app) => {
      app.post(
        '/api/echo/',
        {
          schema: { body: z.object({ name: z.string().min(2), age: z.number().int().optional() }).strict() },
        },
        async (req) => req.body,
      )
      app.get('/api/private/', { preHandler: authenticate }, async () => ({ ok: true }))
      app.get('/api/boom/', async () => {
        throw new Error('secret internals')
      })
    },
  }),
}

describe('createHttpApp', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([echoService], { BODY_LIMIT: '1024' })
  })
  afterAll(() => t?.close())

  it('answers health, ready and metrics', async () => {
    const c = api(t.url)
    expect((await c.get('/health')).status).toBe(200)
    expect((await c.get('/ready')).body).toEqual({ status: 'ready' })
    const metrics = await c.get('/metrics')
    expect(metrics.text).toContain('parley_http_requests_total')
  })

  it('serves the OpenAPI document with the routes', async () => {
    const res = await api(t.url).get('/api/schema/')
    expect(res.body.openapi).toBe('3.1.0')
    expect(Object.keys(res.body.paths)).toContain('/api/echo/')
  })

  it('answers validation failures with per-field problem+json, including unknown fields', async () => {
    const res = await api(t.url).post('/api/echo/', { name: 'x', extra: 1 })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(res.body.type).toBe('/problems/validation-error')
    expect(Object.keys(res.body.errors).sort()).toEqual(expect.arrayContaining(['extra']))
  })

  it('answers malformed JSON with 400 and oversized bodies with 413', async () => {
    const c = api(t.url)
    expect((await c.post('/api/echo/', '{"name": ')).body.type).toBe('/problems/malformed-json')
    const big = await c.post('/api/echo/', { name: 'x'.repeat(5000) })
    expect(big.status).toBe(413)
  })

  it('answers 401 for missing and garbage Authorization headers', async () => {
    const c = api(t.url)
    expect((await c.get('/api/private/')).status).toBe(401)
    const garbage = await c.get('/api/private/', undefined, { authorization: 'Bearer not-a-jwt' })
    expect(garbage.status).toBe(401)
    expect(garbage.body.type).toBe('/problems/unauthorized')
  })

  it('hides unexpected errors behind a generic 500', async () => {
    const res = await api(t.url).get('/api/boom/')
    expect(res.status).toBe(500)
    expect(res.text).not.toContain('secret internals')
    expect(res.body.type).toBe('/problems/internal-error')
  })

  it('answers unknown routes with a 404 problem', async () => {
    const res = await api(t.url).get('/nope')
    expect(res.status).toBe(404)
    expect(res.body.type).toBe('/problems/not-found')
  })

  it('logs one JSON line per request with its id and status', async () => {
    const res = await api(t.url).get('/health', undefined, { 'x-request-id': 'req-abc' })
    expect(res.headers.get('x-request-id')).toBe('req-abc')
    const line = t.logs.parsed().find((l) => l.reqId === 'req-abc')
    expect(line).toMatchObject({ method: 'GET', route: '/health', status: 200 })
  })
})
