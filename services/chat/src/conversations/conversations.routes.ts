import { ConversationSchema, ConversationSummarySchema, ParticipantSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, pageOf, pageOffset, principalOf, toPage } from '@parley/platform'

import { joinPublicChannel } from '../participants/participants.service'
import {
  CreateConversationSchema,
  Gone,
  IdParams,
  ListQuery,
  UpdateConversationSchema,
} from './conversations.schema'
import type { ConversationsDeps } from './conversations.service'
import {
  createConversation,
  deleteOrLeave,
  getConversation,
  listConversations,
  listPublicChannels,
  updateConversation,
} from './conversations.service'

const tags = ['chat']

/** Conversations and public channels under /api/chat/conversations/. */
export function conversationRoutes(ctx: ConversationsDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/conversations/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'My conversations by last activity',
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: pageOf(ConversationSchema) },
        },
      },
      async (req) => {
        const q = req.query
        const { count, results } = await listConversations(ctx, principalOf(req), {
          search: q.search,
          ...pageOffset(q),
        })
        return toPage(req.url, q, count, results)
      },
    )
    app.post(
      '/api/chat/conversations/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Create a conversation (201; 200 with the existing direct conversation)',
          security: bearerAuth,
          body: CreateConversationSchema,
          response: { 200: ConversationSchema, 201: ConversationSchema },
        },
      },
      async (req, reply) => {
        const b = req.body
        const { created, conversation } = await createConversation(ctx, principalOf(req), {
          type: b.type,
          name: b.name,
          topic: b.topic,
          participantIds: b.participant_ids,
          isPublic: b.is_public,
        })
        return reply.code(created ? 201 : 200).send(conversation)
      },
    )
    app.get(
      '/api/chat/conversations/public/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Public channels of my tenant',
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: pageOf(ConversationSummarySchema) },
        },
      },
      async (req) => {
        const q = req.query
        const { count, results } = await listPublicChannels(ctx, principalOf(req), {
          search: q.search,
          ...pageOffset(q),
        })
        return toPage(req.url, q, count, results)
      },
    )
    app.get(
      '/api/chat/conversations/:id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'A conversation',
          security: bearerAuth,
          params: IdParams,
          response: { 200: ConversationSchema },
        },
      },
      async (req) => getConversation(ctx, principalOf(req), req.params.id),
    )
    app.patch(
      '/api/chat/conversations/:id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Rename, topic, avatar (owner/admin)',
          security: bearerAuth,
          params: IdParams,
          body: UpdateConversationSchema,
          response: { 200: ConversationSchema },
        },
      },
      async (req) => updateConversation(ctx, principalOf(req), req.params.id, req.body),
    )
    app.delete(
      '/api/chat/conversations/:id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Delete (owner) or leave',
          security: bearerAuth,
          params: IdParams,
          response: { 204: Gone('Deleted or left') },
        },
      },
      async (req, reply) => {
        await deleteOrLeave(ctx, principalOf(req), req.params.id)
        return reply.code(204).send(null)
      },
    )
    app.post(
      '/api/chat/conversations/:id/join/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Join a public channel (201; 200 when already a member)',
          security: bearerAuth,
          params: IdParams,
          response: { 200: ParticipantSchema, 201: ParticipantSchema },
        },
      },
      async (req, reply) => {
        const { added, participant } = await joinPublicChannel(ctx, principalOf(req), req.params.id)
        return reply.code(added ? 201 : 200).send(participant)
      },
    )
  }
}
