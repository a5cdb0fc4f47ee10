import { ContentSchema, HistoryPageSchema, MessageSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'
import { z } from 'zod'

import { HealthSchema } from '../health/health.routes'
import { history, type MessagesDeps, sendMessage } from '../messages/messages.service'
import { requireMember } from '../participants/membership'

// @NOTE Seed 000's paths are chat routes too: one tag, the seed named in each summary.
const tags = ['chat']
const seed = (summary: string) => `${summary} (seed 000)`

const TestAuthSchema = z.object({
  authenticated: z.literal(true),
  user_id: z.string(),
  person_id: z.string(),
  tenant_id: z.string(),
})
const ChatProfileSchema = z.object({
  user_id: z.string(),
  person_id: z.string().nullable(),
  username: z.string().nullable(),
  name: z.string().nullable(),
  avatar_url: z.string().nullable(),
})
const RoomAccessSchema = z.object({ has_access: z.boolean(), room_id: z.string() })

/** Seed 000's /messages/ endpoints, on top of the same services as /api/chat/. */
export function legacyRoutes(ctx: MessagesDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/messages/',
      { schema: { tags, summary: seed('Health'), response: { 200: HealthSchema } } },
      async () => ({ status: 'ok' as const, service: 'messages' }),
    )
    app.get(
      '/messages/test-auth/',
      {
        ...auth,
        schema: {
          tags,
          summary: seed('Token check'),
          security: bearerAuth,
          response: { 200: TestAuthSchema },
        },
      },
      async (req) => {
        const p = principalOf(req)
        return {
          authenticated: true as const,
          user_id: p.userId,
          person_id: p.personId,
          tenant_id: p.tenantId,
        }
      },
    )
    app.get(
      '/messages/test-chat-profile/',
      {
        ...auth,
        schema: {
          tags,
          summary: seed('The chat profile the service knows'),
          security: bearerAuth,
          response: { 200: ChatProfileSchema },
        },
      },
      async (req) => {
        const p = principalOf(req)
        const user = await ctx.users.get(p.userId)
        return {
          user_id: p.userId,
          person_id: user?.personId ?? p.personId,
          username: user?.username ?? null,
          name: user?.name ?? null,
          avatar_url: user?.avatarUrl ?? null,
        }
      },
    )
    const Room = z.object({ room_id: z.string() }).strict()
    app.post(
      '/messages/check-chat-access/',
      {
        ...auth,
        schema: {
          tags,
          summary: seed('Whether I may use a room'),
          security: bearerAuth,
          body: Room,
          response: { 200: RoomAccessSchema },
        },
      },
      async (req) => {
        const has = await requireMember(ctx.db, principalOf(req), req.body.room_id, ctx.bus).then(
          () => true,
          () => false,
        )
        return { has_access: has, room_id: req.body.room_id }
      },
    )
    app.post(
      '/messages/send-message/',
      {
        ...auth,
        schema: {
          tags,
          summary: seed('Send to a room'),
          security: bearerAuth,
          body: z
            .object({
              // A UUID before it reaches the group commit: a batch is one statement for many senders.
              room_id: z.uuid(),
              content: ContentSchema,
              reply_to: z.string().uuid().nullable().optional(),
            })
            .strict(),
          response: { 201: MessageSchema },
        },
      },
      async (req, reply) => {
        const { message } = await sendMessage(ctx, principalOf(req), req.body.room_id, {
          content: req.body.content,
          replyTo: req.body.reply_to,
        })
        return reply.code(201).send(message)
      },
    )
    app.post(
      '/messages/fetch-messages/',
      {
        ...auth,
        schema: {
          tags,
          summary: seed('Messages of a room, newest page first (before_seq pages back)'),
          security: bearerAuth,
          body: z
            .object({
              room_id: z.string(),
              before_seq: z.number().int().min(1).optional(),
              limit: z.number().int().min(1).max(100).default(50),
            })
            .strict(),
          response: { 200: HistoryPageSchema.extend({ room_id: z.string() }) },
        },
      },
      async (req) => {
        const b = req.body
        const page = await history(ctx, principalOf(req), b.room_id, {
          beforeSeq: b.before_seq,
          limit: b.limit,
        })
        return { room_id: b.room_id, ...page }
      },
    )
  }
}
