import { MessageHitPageSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'

import type { PresentingDeps } from '../messages/messages.service'
import { MentionsQuerySchema, SearchMessagesQuerySchema } from './search.schema'
import { listMentions, searchMessages } from './search.service'

const tags = ['chat']

/** Across-conversation reads: message search and the Mentions view. */
export function searchRoutes(ctx: PresentingDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/search/messages/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Search messages in all my conversations (every term, any script), newest first',
          description:
            'Only conversations the caller is a current member of, in their tenant; deleted messages never match. Cursor-paged: pass `next_cursor` back as `cursor`.',
          security: bearerAuth,
          querystring: SearchMessagesQuerySchema,
          response: { 200: MessageHitPageSchema },
        },
      },
      async (req) => searchMessages(ctx, principalOf(req), req.query),
    )
    app.get(
      '/api/chat/mentions/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Messages that mention me, newest first',
          description:
            'Mentions are derived by the server from `@username` of a member (and `@here` / `@channel` of a group or channel owner or admin). Only conversations the caller is a current member of. Cursor-paged: pass `next_cursor` back as `cursor`.',
          security: bearerAuth,
          querystring: MentionsQuerySchema,
          response: { 200: MessageHitPageSchema },
        },
      },
      async (req) => listMentions(ctx, principalOf(req), req.query),
    )
  }
}
