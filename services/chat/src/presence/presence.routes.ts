import { PresenceSchema, PresenceStatusSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, fieldError, isUuid, principalOf } from '@parley/platform'
import { z } from 'zod'

import type { PresenceService } from './presence.service'

const tags = ['chat']

/** Presence under /api/chat/presence/. */
export function presenceRoutes(presence: PresenceService) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/presence/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Presence of users of my tenant (comma-separated user_ids, at most 100)',
          security: bearerAuth,
          querystring: z.object({ user_ids: z.string().max(4000) }).strict(),
          response: { 200: z.array(PresenceSchema) },
        },
      },
      async (req) => {
        const ids = [
          ...new Set(
            req.query.user_ids
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        ]
        if (ids.length > 100 || ids.some((id) => !isUuid(id)))
          throw fieldError('user_ids', 'Give up to 100 comma-separated user ids.')
        const caller = principalOf(req)
        return presence.get(caller.tenantId, ids, caller.userId)
      },
    )
    app.get(
      '/api/chat/presence/me/',
      {
        ...auth,
        schema: { tags, summary: 'My presence', security: bearerAuth, response: { 200: PresenceSchema } },
      },
      async (req) => presence.me(principalOf(req).userId),
    )
    app.put(
      '/api/chat/presence/me/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Set my status (online, away, busy, offline = appear offline)',
          security: bearerAuth,
          body: z.object({ status: PresenceStatusSchema }).strict(),
          response: { 200: PresenceSchema },
        },
      },
      async (req) => presence.setStatus(principalOf(req).userId, req.body.status),
    )
  }
}
