import { EmojiSchema, ReactionEventSchema, ReactionSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'
import { z } from 'zod'

import { addReaction, listReactions, type ReactionsDeps, removeReaction } from './reactions.service'

const tags = ['chat']
const MessageParams = z.object({ message_id: z.uuid() }).strict()

/** Reactions of a message under /api/chat/messages/:message_id/reactions/. */
export function reactionRoutes(ctx: ReactionsDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/messages/:message_id/reactions/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Reactions of a message',
          security: bearerAuth,
          params: MessageParams,
          response: { 200: z.array(ReactionSchema) },
        },
      },
      async (req) => listReactions(ctx, principalOf(req), req.params.message_id),
    )
    app.post(
      '/api/chat/messages/:message_id/reactions/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'React (one per user per emoji; 201, or 200 when already there)',
          security: bearerAuth,
          params: MessageParams,
          body: z.object({ emoji: EmojiSchema }).strict(),
          response: { 200: ReactionEventSchema, 201: ReactionEventSchema },
        },
      },
      async (req, reply) => {
        const { added, reaction } = await addReaction(
          ctx,
          principalOf(req),
          req.params.message_id,
          req.body.emoji,
        )
        return reply.code(added ? 201 : 200).send(reaction)
      },
    )
    app.delete(
      '/api/chat/messages/:message_id/reactions/:emoji/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Remove my reaction (emoji URL-encoded)',
          security: bearerAuth,
          params: z.object({ message_id: z.uuid(), emoji: EmojiSchema }).strict(),
          response: { 204: z.null().describe('Removed') },
        },
      },
      async (req, reply) => {
        await removeReaction(ctx, principalOf(req), req.params.message_id, req.params.emoji)
        return reply.code(204).send(null)
      },
    )
  }
}
