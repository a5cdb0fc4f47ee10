import { authenticate, bearerAuth, principalOf, type App } from '@parley/platform'
import { ContentSchema } from '@parley/contracts'
import { z } from 'zod'
import type { ChatContext } from '../context'
import { requireMember } from '../conversations/access'
import { history, sendMessage } from '../messages/messages.service'

const tags = ['messages (seed 000)']

/** Seed 000's /messages/ endpoints, on top of the same services as /api/chat/. */
export function legacyRoutes(ctx: ChatContext) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get('/messages/', { schema: { tags, summary: 'Health' } }, async () => ({ status: 'ok', service: 'messages' }))
    app.get('/messages/test-auth/', { ...auth, schema: { tags, summary: 'Token check', security: bearerAuth } }, async (req) => {
      const p = principalOf(req)
      return { authenticated: true, user_id: p.userId, person_id: p.personId, tenant_id: p.tenantId }
    })
    app.get('/messages/test-chat-profile/', { ...auth, schema: { tags, summary: 'The chat profile the service knows', security: bearerAuth } }, async (req) => {
      const p = principalOf(req)
      const user = await ctx.users.get(p.userId)
      return { user_id: p.userId, person_id: user?.personId ?? p.personId, username: user?.username ?? null, name: user?.name ?? null, avatar_url: user?.avatarUrl ?? null }
    })
    const Room = z.object({ room_id: z.string() }).strict()
    app.post('/messages/check-chat-access/', { ...auth, schema: { tags, summary: 'Whether I may use a room', security: bearerAuth, body: Room } }, async (req) => {
      const has = await requireMember(ctx.platform.db, principalOf(req), req.body.room_id).then(
        () => true,
        () => false,
      )
      return { has_access: has, room_id: req.body.room_id }
    })
    app.post('/messages/send-message/', {
      ...auth,
      schema: { tags, summary: 'Send to a room', security: bearerAuth, body: z.object({ room_id: z.string(), content: ContentSchema, reply_to: z.string().uuid().nullable().optional() }).strict() },
    }, async (req, reply) => {
      const { message } = await sendMessage(ctx, principalOf(req), req.body.room_id, { content: req.body.content, replyTo: req.body.reply_to })
      return reply.code(201).send(message)
    })
    app.post('/messages/fetch-messages/', {
      ...auth,
      schema: {
        tags,
        summary: 'Messages of a room, newest page first (before_seq pages back)',
        security: bearerAuth,
        body: z.object({ room_id: z.string(), before_seq: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(100).default(50) }).strict(),
      },
    }, async (req) => {
      const b = req.body
      const page = await history(ctx, principalOf(req), b.room_id, { beforeSeq: b.before_seq, limit: b.limit })
      return { room_id: b.room_id, ...page }
    })
  }
}
