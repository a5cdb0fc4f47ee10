import { createRequire } from 'node:module'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { AppError, notFound, tooManyRequests, unauthorized } from '../errors'
import { newId } from '../ids'
import { bearerToken, type Principal } from '../jwt/verifier'
import { redactUrl } from '../logger'
import type { Platform } from '../platform'
import { errorHandler, sendProblem } from './problem'

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
    authError?: AppError
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  ZodTypeProvider
>

/** Paths the general REST limits apply to (not static files, docs, health or metrics). */
const API_PREFIXES = ['/api/', '/profiles/', '/acac/', '/messages/']
function isApiPath(url: string) {
  return API_PREFIXES.some((p) => url.startsWith(p)) && !url.startsWith('/api/docs') && !url.startsWith('/api/redoc')
}

/** preHandler for routes that need a signed-in user. */
export async function authenticate(request: Pick<FastifyRequest, 'principal' | 'authError'>) {
  if (!request.principal) throw request.authError ?? unauthorized()
}

/** The principal of an authenticated route (after `authenticate`). */
export function principalOf(request: Pick<FastifyRequest, 'principal'>): Principal {
  if (!request.principal) throw unauthorized()
  return request.principal
}

export const bearerAuth = [{ bearerAuth: [] }]

/**
 * The HTTP app every service mounts into: request ids, one JSON log line per request,
 * problem+json errors, body limits, security headers, CORS, rate limits, health, metrics
 * and the OpenAPI document generated from the routes' zod schemas.
 */
export async function createHttpApp(platform: Platform, options: { title?: string } = {}): Promise<App> {
  const { config, log, metrics } = platform
  const app = Fastify({
    loggerInstance: log.child({ name: 'http' }),
    // @NOTE Our onResponse hook writes the one request line (SPEC section 2); Fastify's own pair is off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : newId()
    },
    trustProxy: config.mode === 'distributed',
    routerOptions: { ignoreTrailingSlash: false },
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { type: '/problems/not-found', title: 'Not found', status: 404, detail: `No route for ${request.method} ${redactUrl(request.url.split('?')[0])}.` }),
  )

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    const header = request.headers.authorization
    if (header === undefined) return
    const token = bearerToken(header)
    if (!token) {
      request.authError = unauthorized('The Authorization header must be `Bearer <access token>`.')
      return
    }
    try {
      request.principal = await platform.verifier.verify(token)
    } catch (err) {
      request.authError = err instanceof AppError ? err : unauthorized()
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const durationMs = Math.round(reply.elapsedTime * 100) / 100
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode })
    metrics.httpDuration.observe({ method: request.method, route }, durationMs / 1000)
    request.log.info(
      {
        reqId: request.id,
        method: request.method,
        route,
        url: redactUrl(request.url),
        status: reply.statusCode,
        durationMs,
        userId: request.principal?.userId,
        ip: request.ip,
      },
      'request',
    )
  })

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        workerSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // @NOTE Plain-http deployments (the embedded default) must not be told to upgrade to https.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  })
  await app.register(cors, {
    origin: config.http.allowedOrigins,
    credentials: true,
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
  })
  await app.register(multipart, { limits: { fileSize: 25 * 1024 * 1024, files: 1, fields: 10 } })
  if (config.rateLimits) {
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      timeWindow: 60_000,
      max: (request) => (request.principal ? 100 : 20),
      keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`),
      allowList: (request) => !isApiPath(request.url),
      enableDraftSpec: true,
      // @NOTE Shared by every node through Redis when it is configured. An unreachable Redis makes
      // the store throw, which the error handler answers with 503: the limits fail closed.
      ...(platform.redis ? { redis: platform.redis, nameSpace: `${config.redis.prefix}rl:`, skipOnError: false } : {}),
      errorResponseBuilder: (_request, context) => tooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
    })
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.title ?? 'Parley API',
        version: '0.1.0',
        description: 'Accounts, profiles, contacts and real-time chat. Errors are RFC 9457 problem+json.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })
  app.get('/api/schema/', { schema: { hide: true } }, async () => app.swagger())
  const redocBundle = readRedocBundle()
  app.get('/api/redoc/', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Parley API</title></head><body><div id="redoc"></div><script src="/api/redoc/redoc.standalone.js"></script><script src="/api/redoc/init.js"></script></body></html>`,
      ),
  )
  app.get('/api/redoc/init.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/javascript').send(`Redoc.init('/api/schema/', {}, document.getElementById('redoc'))`),
  )
  app.get('/api/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_req, reply) =>
    redocBundle ? reply.type('application/javascript').send(redocBundle) : reply.callNotFound(),
  )

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    if (platform.draining) {
      return sendProblem(reply, { type: '/problems/not-ready', title: 'Not ready', status: 503, detail: 'This node is shutting down.' })
    }
    try {
      await platform.database.ping()
      for (const check of platform.readinessChecks) await check()
      return { status: 'ready' }
    } catch {
      return sendProblem(reply, { type: '/problems/not-ready', title: 'Not ready', status: 503, detail: 'A backing service is unreachable.' })
    }
  })
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    metrics.busLag.set(await platform.bus.lag().catch(() => -1))
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  if (!config.isProduction) {
    app.get('/api/dev/mailbox/', { schema: { hide: true } }, async () => platform.mailer.outbox())
  }
  return app
}

function readRedocBundle(): Buffer | undefined {
  try {
    const require = createRequire(import.meta.url)
    return readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'))
  } catch {
    return undefined
  }
}

export { notFound }
