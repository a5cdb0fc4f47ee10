import { EmojiSchema, PresenceSchema, PresenceStatusSchema, ReactionEventSchema, ReactionSchema, SyncPageSchema } from '@parley/contracts'
import { authenticate, bearerAuth, fieldError, isUuid, principalOf, type App } from '@parley/platform'
import { z } from 'zod'
import type { ChatContext } from './context'
import { addReaction, listReactions, removeReaction } from './reactions/reactions.service'
import { decodeCursor, readChanges } from './sync/changes'

const tags = ['chat']
export const HealthSchema = z.object({ status: z.literal('ok'), service: z.string() })

/** Health, reactions, presence and sync under /api/chat/. */
export function miscRoutes(ctx: ChatContext) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get('/api/chat/health/', { schema: { tags, summary: 'Health', response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const, service: 'chat' as const }))

    const MessageParams = z.object({ message_id: z.string() }).strict()
    app.get('/api/chat/messages/:message_id/reactions/', { ...auth, schema: { tags, summary: 'Reactions of a message', security: bearerAuth, params: MessageParams, response: { 200: z.array(ReactionSchema) } } }, async (req) =>
      listReactions(ctx, principalOf(req), req.params.message_id),
    )
    app.post('/api/chat/messages/:message_id/reactions/', {
      ...auth,
      schema: {
        tags,
        summary: 'React (one per user per emoji; 201, or 200 when already there)',
        security: bearerAuth,
        params: MessageParams,
        body: z.object({ emoji: EmojiSchema }).strict(),
        response: { 200: ReactionEventSchema, 201: ReactionEventSchema },
      },
    }, async (req, reply) => {
      const { added, reaction } = await addReaction(ctx, principalOf(req), req.params.message_id, req.body.emoji)
      return reply.code(added ? 201 : 200).send(reaction)
    })
    app.delete('/api/chat/messages/:message_id/reactions/:emoji/', {
      ...auth,
      schema: {
        tags,
        summary: 'Remove my reaction (emoji URL-encoded)',
        security: bearerAuth,
        params: z.object({ message_id: z.string(), emoji: EmojiSchema }).strict(),
        response: { 204: z.null().describe('Removed') },
      },
    }, async (req, reply) => {
      await removeReaction(ctx, principalOf(req), req.params.message_id, req.params.emoji)
      return reply.code(204).send(null)
    })

    app.get('/api/chat/presence/', {
      ...auth,
      schema: {
        tags,
        summary: 'Presence of users of my tenant (comma-separated user_ids, at most 100)',
        security: bearerAuth,
        querystring: z.object({ user_ids: z.string().max(4000) }).strict(),
        response: { 200: z.array(PresenceSchema) },
      },
    }, async (req) => {
      const ids = [...new Set(req.query.user_ids.split(',').map((s) => s.trim()).filter(Boolean))]
      if (ids.length > 100 || ids.some((id) => !isUuid(id))) throw fieldError('user_ids', 'Give up to 100 comma-separated user ids.')
      return ctx.presence.get(principalOf(req).tenantId, ids)
    })
    app.get('/api/chat/presence/me/', { ...auth, schema: { tags, summary: 'My presence', security: bearerAuth, response: { 200: PresenceSchema } } }, async (req) => ctx.presence.me(principalOf(req).userId))
    app.put('/api/chat/presence/me/', {
      ...auth,
      schema: {
        tags,
        summary: 'Set my status (online, away, busy, offline = appear offline)',
        security: bearerAuth,
        body: z.object({ status: PresenceStatusSchema }).strict(),
        response: { 200: PresenceSchema },
      },
    }, async (req) => ctx.presence.setStatus(principalOf(req).userId, req.body.status))

    app.get('/api/chat/sync/', {
      ...auth,
      schema: {
        tags,
        summary: 'Changes that concern me since a cursor (without since: no events and the current cursor)',
        security: bearerAuth,
        querystring: z.object({ since: z.string().max(100).optional() }).strict(),
        response: { 200: SyncPageSchema },
      },
    }, async (req) => syncFor(ctx, principalOf(req).userId, req.query.since))
  }
}

export async function syncFor(ctx: ChatContext, userId: string, since?: string) {
  const cursor = since === undefined ? undefined : decodeCursor(since)
  if (since !== undefined && !cursor) throw fieldError('since', 'Not a cursor this server handed out.')
  return readChanges(ctx.platform.db, userId, cursor)
}
