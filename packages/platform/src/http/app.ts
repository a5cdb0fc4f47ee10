import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  LogController,
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
import type { Logger } from 'pino'

import type { TrustProxy } from '../config'
import { AppError, notFound, unauthorized, unsupportedMediaType } from '../errors'
import { newId } from '../ids'
import { bearerToken, type Principal } from '../jwt/verifier'
import { redactUrl } from '../logger'
import type { Platform } from '../platform'
import { clientErrorHandler, frameworkErrors } from './framework-errors'
import { installJsonBodyParser, nulInUrl } from './json-body'
import { trackRouteMethods } from './method-not-allowed'
import { registerMetrics } from './metrics-endpoint'
import { errorHandler, sendProblem } from './problem'
import { rateLimited } from './rate-limit'

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
  return (
    API_PREFIXES.some((p) => url.startsWith(p)) &&
    !url.startsWith('/api/docs') &&
    !url.startsWith('/api/redoc')
  )
}

/** `application/json` and `application/<anything>+json`, with or without parameters. */
const JSON_CONTENT_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

const MULTIPART_CONTENT_TYPE = /^multipart\/form-data\s*;/i

/** The window of the general REST limits (SPEC section 2): anonymous 20/min per IP, users 100/min. */
const GENERAL_LIMIT_WINDOW_MS = 60_000

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
  const app = Fastify<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>({
    loggerInstance: log.child({ name: 'http' }),
    // @NOTE Our onResponse hook writes the one request line (SPEC section 2); Fastify's own pair is off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : newId()
    },
    // @NOTE Only the proxies TRUST_PROXY names may set the client's IP (X-Forwarded-For): every
    // per-IP limit depends on it. Unset, the socket's address is the client's.
    trustProxy: trustProxyOption(config.http.trustProxy),
    routerOptions: { ignoreTrailingSlash: false },
    // @NOTE Slow clients (slowloris, trickled bodies, idle keep-alives) lose their socket past these
    // limits; Node checks them every connectionsCheckingInterval (30 s by default, too coarse).
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.http.headersTimeoutMs / 4))),
    },
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.idleTimeoutMs,
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  installJsonBodyParser(app)
  const routeMethods = trackRouteMethods(app)
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = routeMethods.allowedMethods(path)
    if (allowed.length && !allowed.includes(request.method)) {
      return sendProblem(
        reply,
        {
          type: '/problems/method-not-allowed',
          title: 'Method not allowed',
          status: 405,
          detail: `${request.method} is not allowed on ${redactUrl(path)}; use ${allowed.join(', ')}.`,
        },
        { allow: allowed.join(', ') },
      )
    }
    return sendProblem(reply, {
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: `No route for ${request.method} ${redactUrl(path)}.`,
    })
  })
  // @NOTE A JSON route given a body of another type (multipart, form, text) is a 415, before validation.
  // Upload routes (OpenAPI `consumes: multipart/form-data`) take multipart only.
  app.addHook('onRoute', (route) => {
    const isUpload = (route.schema as { consumes?: string[] } | undefined)?.consumes?.includes(
      'multipart/form-data',
    )
    if (!route.schema?.body && !isUpload) return
    const check = isUpload
      ? async (request: FastifyRequest) => {
          if (!MULTIPART_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
            throw unsupportedMediaType('This endpoint takes multipart/form-data.')
          }
        }
      : async (request: FastifyRequest) => {
          const type = request.headers['content-type']
          if (type !== undefined && !JSON_CONTENT_TYPE.test(type))
            throw unsupportedMediaType('This endpoint takes application/json.')
        }
    const existing = route.preValidation as typeof check | Array<typeof check> | undefined
    route.preValidation = existing ? [check, ...(Array.isArray(existing) ? existing : [existing])] : [check]
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // @NOTE Answers carry tokens and personal data: nothing is kept by browsers or shared caches
    // unless a route says otherwise (web assets, avatars and JWKS set their own).
    reply.header('cache-control', 'no-store')
    const nul = nulInUrl(request.url)
    if (nul) throw nul
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
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'ratelimit-policy',
      'ratelimit',
    ],
  })
  await app.register(multipart, { limits: { fileSize: 25 * 1024 * 1024, files: 1, fields: 10 } })
  if (config.rateLimits) {
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      timeWindow: GENERAL_LIMIT_WINDOW_MS,
      max: (request) => (request.principal ? 100 : 20),
      keyGenerator: (request) =>
        request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`,
      allowList: (request) => !isApiPath(request.url),
      enableDraftSpec: true,
      // @NOTE Shared by every node through Redis when it is configured. An unreachable Redis makes
      // the store throw, which the error handler answers with 503: the limits fail closed.
      ...(platform.redis
        ? { redis: platform.redis, nameSpace: `${config.redis.prefix}rl:`, skipOnError: false }
        : {}),
      errorResponseBuilder: (request, context) => {
        const routeLimit = (
          request.routeOptions.config as { rateLimit?: { timeWindow?: unknown } } | undefined
        )?.rateLimit
        const windowMs =
          typeof routeLimit?.timeWindow === 'number' ? routeLimit.timeWindow : GENERAL_LIMIT_WINDOW_MS
        const name = routeLimit ? 'route' : request.principal ? 'user' : 'anonymous'
        return rateLimited({ name, limit: context.max, windowMs }, context.ttl)
      },
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
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
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
    reply
      .type('application/javascript')
      .send(`Redoc.init('/api/schema/', {}, document.getElementById('redoc'))`),
  )
  app.get('/api/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_req, reply) =>
    redocBundle ? reply.type('application/javascript').send(redocBundle) : reply.callNotFound(),
  )

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    if (platform.draining) {
      return sendProblem(reply, {
        type: '/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'This node is shutting down.',
      })
    }
    try {
      await platform.database.ping()
      for (const check of platform.readinessChecks) await check()
      return { status: 'ready' }
    } catch {
      return sendProblem(reply, {
        type: '/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'A backing service is unreachable.',
      })
    }
  })
  registerMetrics(app, platform)
  if (!config.isProduction) {
    app.get('/api/dev/mailbox/', { schema: { hide: true } }, async () => platform.mailer.outbox())
  }
  return app
}

/** Fastify's typings omit the hop count its runtime accepts; a function does the same test. */
function trustProxyOption(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust
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
