import { SyncPageSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'
import { z } from 'zod'

import { type SyncDeps, syncFor } from './sync.service'

const tags = ['chat']

/** GET /api/chat/sync/: the changes that concern me since a cursor. */
export function syncRoutes(ctx: SyncDeps) {
  return async (app: App) => {
    app.get(
      '/api/chat/sync/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Changes that concern me since a cursor (without since: no events and the current cursor)',
          security: bearerAuth,
          querystring: z.object({ since: z.string().max(100).optional() }).strict(),
          response: { 200: SyncPageSchema },
        },
      },
      async (req) => syncFor(ctx, principalOf(req).userId, req.query.since),
    )
  }
}
