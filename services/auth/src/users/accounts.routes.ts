import {
  type App,
  authenticate,
  bearerAuth,
  principalOf,
  problems,
  rateLimited,
  serviceUnavailable,
} from '@parley/platform'
import type { FastifyRequest } from 'fastify'

import type { AuthContext } from '../context'
import { forgotPassword, resetPassword } from '../passwords/password-reset.service'
import { changePassword, currentUser, login, register } from './accounts.service'
import { presentUser } from './users.presenter'
import {
  ChangePasswordSchema,
  DetailSchema,
  ForgotPasswordSchema,
  LoginResponseSchema,
  LoginSchema,
  ProtectedSchema,
  RegisterSchema,
  ResetPasswordSchema,
  UserSchema,
} from './users.schema'

const tags = ['auth']
/** SPEC section 2: login 10/min per IP+email. */
export const LOGIN_LIMIT = { max: 10, timeWindow: 60_000 }

/** The general anonymous limit (20/min per IP), kept on login beside its per-IP+email limit. */
export const LOGIN_IP_LIMIT = { max: 20, windowMs: 60_000 }

function loginIpLimit(ctx: AuthContext) {
  return async (request: FastifyRequest) => {
    let hit
    try {
      hit = await ctx.platform.counters.hit(`auth:login-ip:${request.ip}`, LOGIN_IP_LIMIT.windowMs)
    } catch {
      throw serviceUnavailable() // @NOTE a security limit fails closed (SPEC section 2)
    }
    if (hit.count > LOGIN_IP_LIMIT.max) {
      throw rateLimited(
        { name: 'anonymous', limit: LOGIN_IP_LIMIT.max, windowMs: LOGIN_IP_LIMIT.windowMs },
        hit.resetInMs,
      )
    }
  }
}

/** Register, login, me, passwords and the protected test endpoint. */
export function accountRoutes(ctx: AuthContext) {
  return async (app: App) => {
    app.post(
      '/api/auth/register/',
      {
        schema: {
          tags,
          summary:
            'Create an account (in a tenant; an unknown tenant slug creates that tenant unless signup is closed)',
          body: RegisterSchema,
          response: { 201: UserSchema, ...problems(400, 413, 429) },
        },
      },
      async (request, reply) => reply.code(201).send(await register(ctx, request.body)),
    )

    app.post(
      '/api/auth/login/',
      {
        schema: {
          tags,
          summary: 'Sign in: an access token, a refresh token and the user',
          body: LoginSchema,
          response: { 200: LoginResponseSchema, ...problems(400, 401, 413, 429) },
        },
        // @NOTE A route-level limit replaces the global one (and @fastify/rate-limit runs one limiter per
        // request), so the general anonymous per-IP limit is kept by loginIpLimit on the shared counters.
        config: {
          rateLimit: {
            ...LOGIN_LIMIT,
            keyGenerator: (request) =>
              `login:${request.ip}:${String((request.body as { email?: unknown } | undefined)?.email ?? '')
                .trim()
                .toLowerCase()}`,
          },
        },
        preHandler: ctx.config.rateLimits ? [loginIpLimit(ctx)] : [],
      },
      async (request) => login(ctx, request.body),
    )

    app.get(
      '/api/auth/me/',
      {
        schema: {
          tags,
          summary: 'The signed-in user',
          security: bearerAuth,
          response: { 200: UserSchema, ...problems(401, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => presentUser(await currentUser(ctx, principalOf(request))),
    )

    app.post(
      '/api/auth/change-password/',
      {
        schema: {
          tags,
          summary: 'Change the password; every other session is signed out',
          security: bearerAuth,
          body: ChangePasswordSchema,
          response: { 200: DetailSchema, ...problems(400, 401, 413, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => {
        await changePassword(ctx, principalOf(request), request.body)
        return { detail: 'Your password has been changed.' }
      },
    )

    app.post(
      '/api/auth/forgot-password/',
      {
        schema: {
          tags,
          summary: 'Mail a single-use reset link (valid 30 minutes); 202 whether or not the account exists',
          body: ForgotPasswordSchema,
          response: { 202: DetailSchema, ...problems(400, 413, 429) },
        },
      },
      async (request, reply) => {
        await forgotPassword(ctx, request.body)
        return reply
          .code(202)
          .send({ detail: 'If an account with this email exists, a reset link is on its way.' })
      },
    )

    app.post(
      '/api/auth/reset-password/',
      {
        schema: {
          tags,
          summary: 'Set a new password with a reset token; every session is signed out',
          body: ResetPasswordSchema,
          response: { 200: DetailSchema, ...problems(400, 413, 429) },
        },
      },
      async (request) => {
        await resetPassword(ctx, request.body)
        return { detail: 'Your password has been reset.' }
      },
    )

    app.get(
      '/api/auth/protected/',
      {
        schema: {
          tags,
          summary: 'Answers 200 for a valid access token (token check)',
          security: bearerAuth,
          response: { 200: ProtectedSchema, ...problems(401, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => ({ message: 'You are authenticated.', user_id: principalOf(request).userId }),
    )
  }
}
