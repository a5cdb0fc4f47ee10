import { ContentSchema, HistoryPageSchema, MessageEditSchema, MessageSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'
import { z } from 'zod'

import { HistoryQuerySchema, SendMessageSchema } from './messages.schema'
import {
  deleteMessage,
  editMessage,
  getMessage,
  history,
  messageEdits,
  type MessagesDeps,
  sendMessage,
} from './messages.service'

const tags = ['chat']
const IdParams = z.object({ id: z.uuid() }).strict()
const MessageParams = z.object({ id: z.uuid(), message_id: z.uuid() }).strict()

export function messageRoutes(ctx: MessagesDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/conversations/:id/messages/',
      {
        ...auth,
        schema: {
          tags,
          summary:
            'History by seq (before_seq / after_seq / around_seq / limit ≤ 100), or search (every term, any script)',
          security: bearerAuth,
          params: IdParams,
          querystring: HistoryQuerySchema,
          response: { 200: HistoryPageSchema },
        },
      },
      async (req) => {
        const q = req.query
        return history(ctx, principalOf(req), req.params.id, {
          beforeSeq: q.before_seq,
          afterSeq: q.after_seq,
          limit: q.limit,
          search: q.search,
          aroundSeq: q.around_seq,
        })
      },
    )
    app.post(
      '/api/chat/conversations/:id/messages/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Send a message (201; 200 for a repeated client_id)',
          security: bearerAuth,
          params: IdParams,
          body: SendMessageSchema,
          response: { 200: MessageSchema, 201: MessageSchema },
        },
      },
      async (req, reply) => {
        const b = req.body
        const { message, created } = await sendMessage(ctx, principalOf(req), req.params.id, {
          content: b.content,
          messageType: b.message_type,
          replyTo: b.reply_to,
          attachmentIds: b.attachment_ids,
          clientId: b.client_id,
        })
        return reply.code(created ? 201 : 200).send(message)
      },
    )
    app.get(
      '/api/chat/conversations/:id/messages/:message_id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'One message',
          security: bearerAuth,
          params: MessageParams,
          response: { 200: MessageSchema },
        },
      },
      async (req) => getMessage(ctx, principalOf(req), req.params.message_id, req.params.id),
    )
    app.patch(
      '/api/chat/conversations/:id/messages/:message_id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Edit (author)',
          security: bearerAuth,
          params: MessageParams,
          body: z.object({ content: ContentSchema }).strict(),
          response: { 200: MessageSchema },
        },
      },
      async (req) =>
        editMessage(ctx, principalOf(req), req.params.message_id, req.body.content, req.params.id),
    )
    app.delete(
      '/api/chat/conversations/:id/messages/:message_id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Delete (author or admin); leaves a tombstone',
          security: bearerAuth,
          params: MessageParams,
          response: { 204: z.null().describe('Deleted') },
        },
      },
      async (req, reply) => {
        await deleteMessage(ctx, principalOf(req), req.params.message_id, req.params.id)
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/chat/conversations/:id/messages/:message_id/edits/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Edit history (oldest first)',
          security: bearerAuth,
          params: MessageParams,
          response: { 200: z.array(MessageEditSchema) },
        },
      },
      async (req) => messageEdits(ctx, principalOf(req), req.params.id, req.params.message_id),
    )
  }
}
