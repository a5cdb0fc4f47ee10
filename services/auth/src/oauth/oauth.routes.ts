import {
  type App,
  authenticate,
  bearerAuth,
  pageOffset,
  PageQuerySchema,
  principalOf,
  problems,
  ProblemSchema,
  toPage,
} from '@parley/platform'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'

import type { AuthContext } from '../context'
import { isOpaqueToken, newOpaqueToken } from '../tokens/opaque-tokens'
import { OAuthFailure } from './oauth.errors'
import { presentLink, presentProvider } from './oauth.presenter'
import {
  CallbackQuerySchema,
  ExchangeResponseSchema,
  ExchangeSchema,
  LinkListSchema,
  ProviderListSchema,
  ProviderParamsSchema,
  StartQuerySchema,
} from './oauth.schema'
import {
  exchangeHandoff,
  finishSignIn,
  linksOf,
  type ProviderRegistry,
  startSignIn,
  unlinkProvider,
} from './oauth.service'

const tags = ['auth']
/** The HttpOnly cookie that binds a sign-in (state and handoff) to the browser that started it. */
export const BROWSER_COOKIE = 'parley_oauth'
const COOKIE_PATH = '/api/auth/oauth/'
const COOKIE_MAX_AGE_S = 15 * 60

function browserSecretOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === BROWSER_COOKIE) {
      const secret = value.join('=')
      return isOpaqueToken(secret) ? secret : undefined
    }
  }
  return undefined
}

function setBrowserCookie(ctx: AuthContext, reply: FastifyReply, secret: string) {
  const secure = ctx.config.http.publicUrl.startsWith('https:') ? '; Secure' : ''
  reply.header(
    'set-cookie',
    `${BROWSER_COOKIE}=${secret}; Path=${COOKIE_PATH}; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure}`,
  )
}

// @NOTE A browser navigation asks for HTML: it is sent back to the web app with an error code.
// An API client (Accept: application/json) gets the problem+json instead.
function wantsRedirect(request: FastifyRequest) {
  return (request.headers.accept ?? '').includes('text/html')
}

function fail(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply, failure: OAuthFailure) {
  ctx.log.warn({ reqId: request.id, code: failure.code, cause: failure.reason }, 'provider sign-in failed')
  if (!wantsRedirect(request)) throw failure.toAppError()
  return reply
    .header('cache-control', 'no-store')
    .redirect(`${ctx.config.http.publicUrl}/sign-in?error=${failure.code}`, 302)
}

/** Sign in with OAuth2 / OpenID Connect providers, the handoff to the web app, and linked methods. */
export function oauthRoutes(ctx: AuthContext, registry: ProviderRegistry) {
  return async (app: App) => {
    app.get(
      '/api/auth/oauth/providers/',
      {
        schema: {
          tags,
          summary: 'The configured sign-in providers (for "Continue with …" buttons)',
          response: { 200: ProviderListSchema, ...problems(429) },
        },
      },
      async () => {
        const results = [...registry.values()].map((p) => presentProvider(p.config))
        return { count: results.length, next: null, previous: null, results }
      },
    )

    app.get(
      '/api/auth/oauth/:provider/start/',
      {
        schema: {
          tags,
          summary: "Redirect (302) the browser to the provider's sign-in page; the tenant is chosen here",
          params: ProviderParamsSchema,
          querystring: StartQuerySchema,
          response: { ...problems(400, 404, 429), 503: ProblemSchema },
        },
      },
      async (request, reply) => {
        const secret = browserSecretOf(request) ?? newOpaqueToken()
        try {
          const url = await startSignIn(ctx, registry, {
            provider: request.params.provider,
            tenant: request.query.tenant,
            returnTo: request.query.return_to ?? '/chats',
            browserSecret: secret,
          })
          setBrowserCookie(ctx, reply, secret)
          return reply.header('cache-control', 'no-store').redirect(url.href, 302)
        } catch (err) {
          if (err instanceof OAuthFailure) return fail(ctx, request, reply, err)
          throw err
        }
      },
    )

    app.get(
      '/api/auth/oauth/:provider/callback/',
      {
        schema: {
          tags,
          summary:
            'The provider redirects here; redirects (302) to /oauth/complete?handoff=… (or /sign-in?error=…)',
          params: ProviderParamsSchema,
          querystring: CallbackQuerySchema,
          response: { ...problems(400, 404, 409, 429), 502: ProblemSchema, 503: ProblemSchema },
        },
      },
      async (request, reply) => {
        const secret = browserSecretOf(request)
        const provider = registry.get(request.params.provider)
        const callbackUrl = new URL(provider?.redirectUri ?? 'http://invalid/')
        callbackUrl.search = new URL(request.url, 'http://local').search
        try {
          const { handoff } = await finishSignIn(ctx, registry, {
            provider: request.params.provider,
            state: request.query.state,
            callbackUrl,
            browserSecret: secret,
          })
          if (secret) setBrowserCookie(ctx, reply, secret)
          return reply
            .header('cache-control', 'no-store')
            .header('referrer-policy', 'no-referrer')
            .redirect(`${ctx.config.http.publicUrl}/oauth/complete?handoff=${handoff}`, 302)
        } catch (err) {
          if (err instanceof OAuthFailure) return fail(ctx, request, reply, err)
          throw err
        }
      },
    )

    app.post(
      '/api/auth/oauth/exchange/',
      {
        schema: {
          tags,
          summary:
            'Exchange the one-time handoff (60 s, same browser) for an access token, a refresh token and the user',
          body: ExchangeSchema,
          response: { 200: ExchangeResponseSchema, ...problems(400, 413, 429) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store')
        return exchangeHandoff(ctx, {
          handoff: request.body.handoff,
          browserSecret: browserSecretOf(request),
        })
      },
    )

    app.get(
      '/api/auth/oauth/links/',
      {
        schema: {
          tags,
          summary: "The signed-in user's linked sign-in providers",
          security: bearerAuth,
          querystring: PageQuerySchema,
          response: { 200: LinkListSchema, ...problems(400, 401, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => {
        const links = await linksOf(ctx, principalOf(request))
        const { limit, offset } = pageOffset(request.query)
        const results = links
          .slice(offset, offset + limit)
          .map((l) => presentLink(l, registry.get(l.provider)?.config))
        return toPage(request.url, request.query, links.length, results)
      },
    )

    app.delete(
      '/api/auth/oauth/links/:provider/',
      {
        schema: {
          tags,
          summary: 'Remove a linked provider (409 when it is the only way left to sign in)',
          security: bearerAuth,
          params: ProviderParamsSchema,
          response: { 204: z.null().describe('Unlinked.'), ...problems(401, 404, 409, 429) },
        },
        preHandler: authenticate,
      },
      async (request, reply) => {
        await unlinkProvider(ctx, principalOf(request), request.params.provider)
        return reply.code(204).send(null)
      },
    )
  }
}
