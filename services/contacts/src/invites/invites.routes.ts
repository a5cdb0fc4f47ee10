import { authenticate, bearerAuth, pageOf, pageOffset, principalOf, problems, toPage } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

import type { ContactsContext } from '../context'
import { listQuery } from '../shared/lists'
import { presentInvite } from './invites.presenter'
import { INVITE_ORDERINGS } from './invites.repository'
import {
  AnswerInviteSchema,
  InviteIdBodySchema,
  InviteIdParamsSchema,
  InviteSchema,
  SendInviteSchema,
} from './invites.schema'
import {
  answerInvite,
  cancelInvite,
  deleteRejected,
  receivedInvites,
  rejectedInvites,
  sendInvite,
  sentInvites,
} from './invites.service'

const tags = ['contacts']
const InviteListQuery = listQuery(INVITE_ORDERINGS, '-created_at')

/** The invite state machine: pending → accepted | rejected | cancelled (SPEC section 5). */
export function inviteRoutes(ctx: ContactsContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/acac/send-invite/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Invite a person by person_id',
          description:
            'Answers 201 with the new pending invite. If that person already invited you, their invite is accepted instead and 200 answers it (status accepted, with room_id).',
          security: bearerAuth,
          body: SendInviteSchema,
          response: { 200: InviteSchema, 201: InviteSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request, reply) => {
        const { created, view } = await sendInvite(ctx, principalOf(request), request.body.person_id)
        return reply.code(created ? 201 : 200).send(presentInvite(view))
      },
    )

    app.get(
      '/acac/received-invite/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Pending invites addressed to me, with their senders',
          security: bearerAuth,
          querystring: InviteListQuery,
          response: { 200: pageOf(InviteSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await receivedInvites(ctx, principalOf(request), {
          ...request.query,
          ...pageOffset(request.query),
        })
        return toPage(request.url, request.query, count, rows.map(presentInvite))
      },
    )

    app.get(
      '/acac/sent-invites/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'My pending invites',
          security: bearerAuth,
          querystring: InviteListQuery,
          response: { 200: pageOf(InviteSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await sentInvites(ctx, principalOf(request), {
          ...request.query,
          ...pageOffset(request.query),
        })
        return toPage(request.url, request.query, count, rows.map(presentInvite))
      },
    )

    app.delete(
      '/acac/sent-invites/:id/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Cancel one of my pending invites',
          security: bearerAuth,
          params: InviteIdParamsSchema,
          response: { 204: z.null().describe('Cancelled'), ...problems(400, 401, 404, 409, 429) },
        },
      },
      async (request, reply) => {
        await cancelInvite(ctx, principalOf(request), request.params.id)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/acac/accept-invite/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Accept or reject an invite addressed to me',
          description:
            'Accepting creates the contact and its direct conversation (room_id) and publishes contact.accepted.',
          security: bearerAuth,
          body: AnswerInviteSchema,
          response: { 200: InviteSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request) => {
        const view = await answerInvite(
          ctx,
          principalOf(request),
          request.body.invite_id,
          request.body.accept,
        )
        return presentInvite(view)
      },
    )

    app.get(
      '/acac/rejected-invites/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'My sent invites that were rejected',
          security: bearerAuth,
          querystring: InviteListQuery,
          response: { 200: pageOf(InviteSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await rejectedInvites(ctx, principalOf(request), {
          ...request.query,
          ...pageOffset(request.query),
        })
        return toPage(request.url, request.query, count, rows.map(presentInvite))
      },
    )

    app.post(
      '/acac/rejected-invite-delete/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Delete one of my rejected invites',
          security: bearerAuth,
          body: InviteIdBodySchema,
          response: { 204: z.null().describe('Deleted'), ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request, reply) => {
        await deleteRejected(ctx, principalOf(request), request.body.invite_id)
        return reply.code(204).send(null)
      },
    )
  }
}
