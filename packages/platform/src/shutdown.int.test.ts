import { connect } from 'node:net'

import { describe, expect, it } from 'vitest'

import type { ServiceModule } from './service'
import { api, startTestServer } from './testing'

/** Whether a new TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('graceful shutdown', () => {
  it('turns readiness false first, stops accepting, then closes the services, then the server', async () => {
    const steps: string[] = []
    let port = 0
    const service: ServiceModule = {
      name: 'gateway',
      create: (platform) => ({
        routes: async (app) => {
          app.get('/api/ping/', async () => ({ ok: true }))
        },
        async close() {
          steps.push(`service close: draining=${platform.draining}`)
          steps.push(`accepting during close: ${await accepts(port)}`)
        },
      }),
    }
    const t = await startTestServer([service], { SHUTDOWN_DELAY: '1' })
    port = Number(new URL(t.url).port)
    expect((await api(t.url).get('/ready')).status).toBe(200)
    const closing = t.server.close().then(() => steps.push('closed'))
    // During SHUTDOWN_DELAY the node still serves, but tells the proxy it is not ready.
    const ready = await api(t.url).get('/ready')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatchObject({ type: '/problems/not-ready', detail: 'This node is shutting down.' })
    expect((await api(t.url).get('/api/ping/')).status).toBe(200)
    await closing
    expect(steps).toEqual(['service close: draining=true', 'accepting during close: false', 'closed'])
    await t.close()
  })

  it('gives up on a service that does not close within SHUTDOWN_TIMEOUT', async () => {
    const service: ServiceModule = {
      name: 'gateway',
      create: () => ({
        routes: async () => {},
        close: () => new Promise<void>(() => {}),
      }),
    }
    const t = await startTestServer([service], { SHUTDOWN_TIMEOUT: '1' })
    const started = Date.now()
    await t.server.close()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(t.logs.text()).toContain('a service did not close in time')
    await t.close()
  })
})
