import { request } from 'node:http'

import { authService } from '@parley/auth'
import { api, eventually, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createGatewayService } from './index'

/** A GET from a chosen loopback address, with extra headers. */
function getFrom(url: string, localAddress: string, headers: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { localAddress, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('gateway: client IPs and /metrics (issue 14, points 1 and 11)', () => {
  let auth: TestServer
  let gateway: TestServer

  beforeAll(async () => {
    // auth trusts the gateway (it connects from 127.0.0.1) and nobody else
    auth = await startTestServer([authService], { TRUST_PROXY: '127.0.0.1' })
    gateway = await startTestServer([createGatewayService({ upstreams: { auth: auth.url } })], {
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      METRICS_PORT: '0',
    })
  })
  afterAll(async () => {
    await Promise.all([gateway?.close(), auth?.close()])
  })

  it("hands the service the client's address, never the X-Forwarded-For the client wrote", async () => {
    const user = await signUp(gateway.url)
    const status = await getFrom(`${gateway.url}/api/auth/me/`, '127.0.0.77', {
      authorization: `Bearer ${user.access}`,
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'fwd-check-1',
    })
    expect(status).toBe(200)
    const line = await eventually(() =>
      auth.logs
        .parsed()
        .find((l) => l.msg === 'request' && l.route === '/api/auth/me/' && l.userId === user.id),
    )
    expect(line.ip).toBe('127.0.0.77')
    expect(auth.logs.text()).not.toContain('203.0.113.9')
  })

  it('does not serve /metrics on the public port by default', async () => {
    expect((await api(gateway.url).get('/metrics')).status).toBe(404)
  })
})
