import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { ServiceModule } from '@parley/platform'

/** Path prefixes that belong to the API, never to the single-page app. */
const API_PREFIXES = ['/api/', '/profiles/', '/acac/', '/messages/', '/ws/', '/media/', '/.well-known/', '/health', '/ready', '/metrics']

export interface GatewayOptions {
  /** The built web app (apps/web/dist); when absent, `/` points people to the API docs. */
  webDist?: string
}

/**
 * The public entry (SPEC section 1): serves the web app at `/` with a single-page-app
 * fallback. CORS, security headers, request logs and rate limits come from the platform's
 * HTTP app, which every service shares.
 */
export function createGatewayService(options: GatewayOptions = {}): ServiceModule {
  return {
    name: 'gateway',
    create: () => ({
      routes: async (app) => {
        const dist = options.webDist
        const hasWeb = dist !== undefined && existsSync(join(dist, 'index.html'))
        if (!hasWeb) {
          app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/docs/'))
          return
        }
        await app.register(fastifyStatic, { root: dist, prefix: '/', wildcard: false, index: ['index.html'] })
        app.get('/*', { schema: { hide: true } }, async (request, reply) => {
          const path = request.url.split('?')[0]
          if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.callNotFound()
          // @NOTE Hashed asset names are immutable; the HTML shell must be revalidated.
          const file = path.slice(1)
          if (file && existsSync(join(dist, file))) {
            return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(file)
          }
          return reply.header('cache-control', 'no-cache').sendFile('index.html')
        })
      },
    }),
  }
}

export const gatewayService = createGatewayService()
