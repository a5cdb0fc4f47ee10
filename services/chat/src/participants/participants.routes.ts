import { ParticipantSchema, RoleSchema } from '@parley/contracts'
import {
  type App,
  authenticate,
  bearerAuth,
  pageOf,
  pageOffset,
  PageQuerySchema,
  principalOf,
  toPage,
} from '@parley/platform'
import { z } from 'zod'

import {
  addParticipant,
  changeRole,
  listParticipants,
  type ParticipantsDeps,
  removeParticipant,
} from './participants.service'

const tags = ['chat']
const IdParams = z.object({ id: z.uuid() }).strict()
const MemberParams = z.object({ id: z.uuid(), user_id: z.uuid() }).strict()

/** Members of a conversation under /api/chat/conversations/:id/participants/. */
export function participantRoutes(ctx: ParticipantsDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.get(
      '/api/chat/conversations/:id/participants/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Members with roles and receipt positions',
          security: bearerAuth,
          params: IdParams,
          querystring: PageQuerySchema.strict(),
          response: { 200: pageOf(ParticipantSchema) },
        },
      },
      async (req) => {
        const { count, results } = await listParticipants(
          ctx,
          principalOf(req),
          req.params.id,
          pageOffset(req.query),
        )
        return toPage(req.url, req.query, count, results)
      },
    )
    app.post(
      '/api/chat/conversations/:id/participants/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Add a member (owner/admin; 201, or 200 when already a member)',
          security: bearerAuth,
          params: IdParams,
          body: z.object({ user_id: z.string().uuid(), role: RoleSchema.optional() }).strict(),
          response: { 200: ParticipantSchema, 201: ParticipantSchema },
        },
      },
      async (req, reply) => {
        const { added, participant } = await addParticipant(
          ctx,
          principalOf(req),
          req.params.id,
          req.body.user_id,
          req.body.role,
        )
        return reply.code(added ? 201 : 200).send(participant)
      },
    )
    app.patch(
      '/api/chat/conversations/:id/participants/:user_id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Change a role',
          security: bearerAuth,
          params: MemberParams,
          body: z.object({ role: RoleSchema }).strict(),
          response: { 200: ParticipantSchema },
        },
      },
      async (req) => changeRole(ctx, principalOf(req), req.params.id, req.params.user_id, req.body.role),
    )
    app.delete(
      '/api/chat/conversations/:id/participants/:user_id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Remove a member or leave',
          security: bearerAuth,
          params: MemberParams,
          response: { 204: z.null().describe('Removed') },
        },
      },
      async (req, reply) => {
        await removeParticipant(ctx, principalOf(req), req.params.id, req.params.user_id)
        return reply.code(204).send(null)
      },
    )
  }
}
