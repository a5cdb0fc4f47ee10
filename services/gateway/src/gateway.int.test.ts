import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { authService } from '@parley/auth'
import { chatService } from '@parley/chat'
import { api, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'

import { createGatewayService } from './index'

describe('gateway', () => {
  let dist: string
  let auth: TestServer
  let chat: TestServer
  let gateway: TestServer

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'parley-web-'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title><div id="root"></div>')
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log("app")')
    writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("push", () => {})')
    auth = await startTestServer([authService])
    chat = await startTestServer([chatService], { AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json` })
    gateway = await startTestServer(
      [createGatewayService({ webDist: dist, upstreams: { auth: auth.url, chat: chat.url } })],
      {
        AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      },
    )
  })

  afterAll(async () => {
    await Promise.all([gateway?.close(), chat?.close(), auth?.close()])
    rmSync(dist, { recursive: true, force: true })
  })

  it('serves the web app at / and falls back to it for client-side routes', async () => {
    const c = api(gateway.url)
    const root = await c.get('/')
    expect(root.status).toBe(200)
    expect(root.text).toContain('<div id="root">')
    const deep = await c.get('/chats/0190a1b2-0000-7000-8000-000000000000')
    expect(deep.text).toContain('<div id="root">')
    expect(deep.headers.get('cache-control')).toBe('no-cache')
    const asset = await c.get('/assets/app-abc123.js')
    expect(asset.headers.get('cache-control')).toContain('immutable')
    // The service worker has a fixed name: browsers must see a new one at once.
    const worker = await c.get('/sw.js')
    expect(worker.status).toBe(200)
    expect(worker.headers.get('content-type')).toContain('javascript')
    expect(worker.headers.get('cache-control')).toBe('no-cache')
  })

  it('answers unknown API paths with a problem, not the web app', async () => {
    const res = await api(gateway.url).get('/api/nothing-here/')
    expect(res.status).toBe(404)
    expect(res.body.type).toBe('/problems/not-found')
  })

  it('routes a service that runs elsewhere: register, log in and read /me through the gateway', async () => {
    const user = await signUp(gateway.url)
    const me = await api(gateway.url).get('/api/auth/me/', user.access)
    expect(me.status).toBe(200)
    expect(me.body.email).toBe(user.email)
    const jwks = await api(gateway.url).get('/.well-known/jwks.json')
    expect(jwks.body.keys.length).toBeGreaterThan(0)
  })

  it('proxies the chat WebSocket, including the 401 before the upgrade', async () => {
    const user = await signUp(gateway.url)
    const ws = new WebSocket(`${gateway.wsUrl}/ws/chat/?token=${user.access}`)
    const first = await new Promise<any>((resolve, reject) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data))
        if (frame.type === 'connection_established') resolve(frame)
      })
      ws.once('error', reject)
    })
    expect(first.type).toBe('connection_established')
    expect(first.user_id).toBe(user.id)
    ws.close()
    const refused = new WebSocket(`${gateway.wsUrl}/ws/chat/?token=not-a-token`)
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      refused.once('error', () => resolve(-1))
    })
    expect(status).toBe(401)
  })
})
