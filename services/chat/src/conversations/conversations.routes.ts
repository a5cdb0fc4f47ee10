import { ConversationSchema, ConversationSummarySchema, ParticipantSchema, ReceiptSchema, RoleSchema } from '@parley/contracts'
import { authenticate, bearerAuth, pageOf, pageOffset, PageQuerySchema, principalOf, toPage, type App } from '@parley/platform'
import { z } from 'zod'
import type { ChatContext } from '../context'
import { addParticipant, changeRole, joinPublicChannel, listParticipants, removeParticipant } from '../participants/participants.service'
import { markRead } from '../receipts/receipts.service'
import {
  createConversation,
  deleteOrLeave,
  getConversation,
  listConversations,
  listPublicChannels,
  updateConversation,
} from './conversations.service'

const tags = ['chat']
const IdParams = z.object({ id: z.string() }).strict()
const ListQuery = PageQuerySchema.extend({ search: z.string().max(100).optional() }).strict()
const Gone = (what: string) => z.null().describe(what)

export const CreateConversationSchema = z
  .object({
    type: z.enum(['direct', 'group', 'channel']),
    name: z.string().max(100).nullable().optional(),
    topic: z.string().max(500).nullable().optional(),
    /** The other members' user ids; the creator joins as owner and is ignored if listed. */
    participant_ids: z.array(z.string().uuid()).max(500).default([]),
    /** Channels only: listed and joinable by everyone in the tenant. */
    is_public: z.boolean().optional(),
  })
  .strict()

const UpdateConversationSchema = z
  .object({ name: z.string().max(100).optional(), topic: z.string().max(500).nullable().optional(), avatar_url: z.string().url().max(500).nullable().optional() })
  .strict()

/** Conversations, participants, public channels and read receipts under /api/chat/. */
export function conversationRoutes(ctx: ChatContext) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get('/api/chat/conversations/', { ...auth, schema: { tags, summary: 'My conversations by last activity', security: bearerAuth, querystring: ListQuery, response: { 200: pageOf(ConversationSchema) } } }, async (req) => {
      const q = req.query
      const { count, results } = await listConversations(ctx, principalOf(req), { search: q.search, ...pageOffset(q) })
      return toPage(req.url, q, count, results)
    })
    app.post('/api/chat/conversations/', { ...auth, schema: {
        tags,
        summary: 'Create a conversation (201; 200 with the existing direct conversation)',
        security: bearerAuth,
        body: CreateConversationSchema,
        response: { 200: ConversationSchema, 201: ConversationSchema },
      }, }, async (req, reply) => {
      const b = req.body
      const { created, conversation } = await createConversation(ctx, principalOf(req), {
        type: b.type,
        name: b.name,
        topic: b.topic,
        participantIds: b.participant_ids,
        isPublic: b.is_public,
      })
      return reply.code(created ? 201 : 200).send(conversation)
    })
    app.get('/api/chat/conversations/public/', { ...auth, schema: { tags, summary: 'Public channels of my tenant', security: bearerAuth, querystring: ListQuery, response: { 200: pageOf(ConversationSummarySchema) } } }, async (req) => {
      const q = req.query
      const { count, results } = await listPublicChannels(ctx, principalOf(req), { search: q.search, ...pageOffset(q) })
      return toPage(req.url, q, count, results)
    })
    app.get('/api/chat/conversations/:id/', { ...auth, schema: { tags, summary: 'A conversation', security: bearerAuth, params: IdParams, response: { 200: ConversationSchema } } }, async (req) =>
      getConversation(ctx, principalOf(req), req.params.id),
    )
    app.patch('/api/chat/conversations/:id/', { ...auth, schema: { tags, summary: 'Rename, topic, avatar (owner/admin)', security: bearerAuth, params: IdParams, body: UpdateConversationSchema, response: { 200: ConversationSchema } } }, async (req) =>
      updateConversation(ctx, principalOf(req), req.params.id, req.body),
    )
    app.delete('/api/chat/conversations/:id/', { ...auth, schema: { tags, summary: 'Delete (owner) or leave', security: bearerAuth, params: IdParams, response: { 204: Gone('Deleted or left') } } }, async (req, reply) => {
      await deleteOrLeave(ctx, principalOf(req), req.params.id)
      return reply.code(204).send(null)
    })
    app.post('/api/chat/conversations/:id/join/', { ...auth, schema: { tags, summary: 'Join a public channel (201; 200 when already a member)', security: bearerAuth, params: IdParams, response: { 200: ParticipantSchema, 201: ParticipantSchema } } }, async (req, reply) => {
      const { added, participant } = await joinPublicChannel(ctx, principalOf(req), req.params.id)
      return reply.code(added ? 201 : 200).send(participant)
    })
    app.get('/api/chat/conversations/:id/participants/', { ...auth, schema: {
        tags,
        summary: 'Members with roles and receipt positions',
        security: bearerAuth,
        params: IdParams,
        querystring: PageQuerySchema.strict(),
        response: { 200: pageOf(ParticipantSchema) },
      }, }, async (req) => {
      const { count, results } = await listParticipants(ctx, principalOf(req), req.params.id, pageOffset(req.query))
      return toPage(req.url, req.query, count, results)
    })
    app.post('/api/chat/conversations/:id/participants/', {
      ...auth,
      schema: {
        tags,
        summary: 'Add a member (owner/admin; 201, or 200 when already a member)',
        security: bearerAuth,
        params: IdParams,
        body: z.object({ user_id: z.string().uuid(), role: RoleSchema.optional() }).strict(),
        response: { 200: ParticipantSchema, 201: ParticipantSchema },
      },
    }, async (req, reply) => {
      const { added, participant } = await addParticipant(ctx, principalOf(req), req.params.id, req.body.user_id, req.body.role)
      return reply.code(added ? 201 : 200).send(participant)
    })
    const MemberParams = z.object({ id: z.string(), user_id: z.string().uuid() }).strict()
    app.patch('/api/chat/conversations/:id/participants/:user_id/', {
      ...auth,
      schema: { tags, summary: 'Change a role', security: bearerAuth, params: MemberParams, body: z.object({ role: RoleSchema }).strict(), response: { 200: ParticipantSchema } },
    }, async (req) => changeRole(ctx, principalOf(req), req.params.id, req.params.user_id, req.body.role))
    app.delete('/api/chat/conversations/:id/participants/:user_id/', { ...auth, schema: { tags, summary: 'Remove a member or leave', security: bearerAuth, params: MemberParams, response: { 204: Gone('Removed') } } }, async (req, reply) => {
      await removeParticipant(ctx, principalOf(req), req.params.id, req.params.user_id)
      return reply.code(204).send(null)
    })
    app.post('/api/chat/conversations/:id/read/', {
      ...auth,
      schema: {
        tags,
        summary: 'Read receipt (answers my read position; it never moves back)',
        security: bearerAuth,
        params: IdParams,
        body: z.object({ up_to_seq: z.number().int().min(0) }).strict(),
        response: { 200: ReceiptSchema },
      },
    }, async (req) => markRead(ctx, principalOf(req), req.params.id, req.body.up_to_seq))
  }
}
