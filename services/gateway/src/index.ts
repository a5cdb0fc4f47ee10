import { existsSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'

import type { FastifyHttpProxyOptions } from '@fastify/http-proxy'
import fastifyStatic from '@fastify/static'
import { type App, type Platform, type ServiceModule, unauthorized } from '@parley/platform'
import type { FastifyRequest } from 'fastify'

import { API_PREFIXES, type RoutedService, SERVICE_PREFIXES } from './routes'

export { SERVICE_PREFIXES }

export interface GatewayOptions {
  /** The built web app (apps/web/dist); when absent, `/` points people to the API docs. */
  webDist?: string
  /** Services that run in other processes: their paths are proxied there (HTTP and WebSocket). */
  upstreams?: Partial<Record<RoutedService, string>>
}

/**
 * The public entry (SPEC section 1): serves the web app at `/` with a single-page-app fallback
 * and, when services run as separate processes, routes their path prefixes to them. CORS,
 * security headers, request logs and rate limits come from the platform's HTTP app.
 */
export function createGatewayService(options: GatewayOptions = {}): ServiceModule {
  return {
    name: 'gateway',
    create: (platform) => ({
      routes: async (app) => {
        // @NOTE Proxied bodies pass through as bytes: in this context the platform's JSON parser (UTF-8
        // and NUL checks) gives way to the proxy's own, and the service behind checks them.
        await app.register(async (proxied: App) => {
          proxied.removeContentTypeParser('application/json')
          for (const [service, upstream] of Object.entries(options.upstreams ?? {})) {
            if (upstream) await proxyService(proxied, platform, service as RoutedService, upstream)
          }
        })
        await serveWebApp(app, options.webDist)
      },
    }),
  }
}

async function proxyService(app: App, platform: Platform, service: RoutedService, upstream: string) {
  // @NOTE The proxy loads only on gateway nodes that route to other processes.
  const { default: proxy } = await import('@fastify/http-proxy')
  // @NOTE The service behind sees the client's IP as this gateway determined it (after the
  // gateway's own TRUST_PROXY), never an X-Forwarded-For the client wrote; the service trusts the
  // gateway through its TRUST_PROXY.
  const replyOptions: FastifyHttpProxyOptions['replyOptions'] = {
    rewriteRequestHeaders: (request, headers) => ({ ...headers, 'x-forwarded-for': request.ip }),
  }
  // @NOTE @fastify/http-proxy calls this for the upstream WebSocket; its typings omit it.
  const wsClientOptions = {
    rewriteRequestHeaders: (headers: IncomingHttpHeaders, request: FastifyRequest) => ({
      ...headers,
      ...(request.headers.cookie ? { cookie: request.headers.cookie } : {}),
      'x-forwarded-for': request.ip,
    }),
  } as FastifyHttpProxyOptions['wsClientOptions']
  for (const prefix of SERVICE_PREFIXES[service]) {
    const common = { upstream, prefix, rewritePrefix: prefix, replyOptions }
    if (prefix !== '/ws/chat') {
      await app.register(proxy, common)
      continue
    }
    // @NOTE SPEC section 6: a bad token gets HTTP 401 and no socket, so the gateway checks it
    // before it upgrades (the chat service checks again behind it).
    const verifyHandshake = async (request: FastifyRequest) => {
      const token = handshakeToken(request)
      if (!token) throw unauthorized('The WebSocket handshake needs ?token= or the bearer subprotocol.')
      await platform.verifier.verify(token)
    }
    await app.register(proxy, { ...common, websocket: true, wsClientOptions, preHandler: verifyHandshake })
  }
}

function handshakeToken(request: FastifyRequest): string | undefined {
  const query = request.query as { token?: unknown }
  if (typeof query?.token === 'string' && query.token) return query.token
  const protocols = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
  return protocols[0] === 'bearer' ? protocols[1] : undefined
}

async function serveWebApp(app: App, dist: string | undefined) {
  const hasWeb = dist !== undefined && existsSync(join(dist, 'index.html'))
  if (!hasWeb) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/docs/'))
    return
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    // @NOTE Hashed asset names are immutable; the HTML shell and the service worker (public/sw.js,
    // a fixed name) must be revalidated so a deploy shows at once.
    setHeaders: (res, path) =>
      res.header(
        'cache-control',
        path.endsWith('.html') || /[\\/]sw\.js$/.test(path)
          ? 'no-cache'
          : 'public, max-age=31536000, immutable',
      ),
  })
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]
    if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.callNotFound()
    const file = path.slice(1)
    if (file && existsSync(join(dist, file))) return reply.sendFile(file)
    return reply.sendFile('index.html')
  })
}

export const gatewayService = createGatewayService()
