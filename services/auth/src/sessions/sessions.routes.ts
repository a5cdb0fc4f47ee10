import { type App, problems } from '@parley/platform'
import { z } from 'zod'

import type { AuthContext } from '../context'
import { RefreshSchema, TokenPairSchema } from '../users/users.schema'
import { endSession, refreshSession } from './sessions.service'

const tags = ['auth']

/** Refresh (rotation with reuse detection) and logout. */
export function sessionRoutes(ctx: AuthContext) {
  return async (app: App) => {
    app.post(
      '/api/auth/token/refresh/',
      {
        schema: {
          tags,
          summary: 'Rotate a refresh token into a new pair; a reused token revokes its whole session',
          body: RefreshSchema,
          response: { 200: TokenPairSchema, ...problems(400, 401, 413, 429) },
        },
      },
      async (request) => refreshSession(ctx, request.body.refresh),
    )

    app.post(
      '/api/auth/logout/',
      {
        schema: {
          tags,
          summary: "End the refresh token's session; its access tokens stop working at once",
          body: RefreshSchema,
          response: { 204: z.null().describe('Signed out.'), ...problems(400, 401, 413, 429) },
        },
      },
      async (request, reply) => {
        await endSession(ctx, request.body.refresh)
        return reply.code(204).send(null)
      },
    )
  }
}
