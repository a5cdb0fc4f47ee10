import { timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'

import type { Platform } from '../platform'
import type { App } from './app'
import { sendProblem } from './problem'

declare module 'fastify' {
  interface FastifyInstance {
    /** The listener of METRICS_PORT, once the app listens (undefined without METRICS_PORT). */
    metricsServer?: Server
  }
}

async function render(platform: Platform) {
  platform.metrics.busLag.set(await platform.bus.lag().catch(() => -1))
  return platform.metrics.registry.metrics()
}

function sameSecret(given: string, expected: string) {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * `/metrics` stays off the public port unless METRICS_TOKEN is set (then it needs
 * `Authorization: Bearer <METRICS_TOKEN>`); METRICS_PORT serves it on a listener of its own,
 * which the gateway, the compose proxy and the k8s Ingress never route to.
 */
export function registerMetrics(app: App, platform: Platform) {
  const { port, token, openOnPublicPort } = platform.config.metrics
  if (token || openOnPublicPort) {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token) {
        const header = request.headers.authorization ?? ''
        const given = header.startsWith('Bearer ') ? header.slice(7) : ''
        if (!sameSecret(given, token)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"')
          return sendProblem(reply, {
            type: '/problems/unauthorized',
            title: 'Unauthorized',
            status: 401,
            detail: '/metrics needs Authorization: Bearer <METRICS_TOKEN>.',
          })
        }
      }
      return reply.type(platform.metrics.registry.contentType).send(await render(platform))
    })
  }
  if (port === undefined) return
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n')
      return
    }
    render(platform).then(
      (text) =>
        res
          .writeHead(200, {
            'content-type': platform.metrics.registry.contentType,
            'cache-control': 'no-store',
          })
          .end(text),
      () => res.writeHead(500).end(),
    )
  })
  server.headersTimeout = platform.config.http.headersTimeoutMs
  server.requestTimeout = platform.config.http.requestTimeoutMs
  app.decorate('metricsServer', server)
  app.addHook('onListen', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, platform.config.http.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  })
  app.addHook('onClose', async () => {
    if (!server.listening) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
}
