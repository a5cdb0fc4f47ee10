import { authenticate, bearerAuth, pageOf, pageOffset, principalOf, problems, toPage } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

import type { ContactsContext } from '../context'
import { listQuery } from '../shared/lists'
import { PersonIdParamsSchema } from '../shared/person.presenter'
import { presentContact } from './contacts.presenter'
import { CONTACT_ORDERINGS } from './contacts.repository'
import { ContactSchema, RoomAccessResultSchema, RoomAccessSchema } from './contacts.schema'
import { checkRoomAccess, listMyContacts, removeContact } from './contacts.service'

const tags = ['contacts']

export function contactRoutes(ctx: ContactsContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/acac/contacts/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'My accepted contacts, each with its room_id',
          security: bearerAuth,
          querystring: listQuery(CONTACT_ORDERINGS, 'username'),
          response: { 200: pageOf(ContactSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await listMyContacts(ctx, principalOf(request), {
          ...request.query,
          ...pageOffset(request.query),
        })
        return toPage(request.url, request.query, count, rows.map(presentContact))
      },
    )

    app.delete(
      '/acac/contacts/:person_id/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Remove a contact (for both people)',
          description: 'Publishes contact.removed; the direct conversation becomes read-only.',
          security: bearerAuth,
          params: PersonIdParamsSchema,
          response: { 204: z.null().describe('Removed'), ...problems(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        await removeContact(ctx, principalOf(request), request.params.person_id)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/acac/check-room-access/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Whether I may use a room (the direct conversation of one of my contacts)',
          security: bearerAuth,
          body: RoomAccessSchema,
          response: { 200: RoomAccessResultSchema, ...problems(400, 401, 413, 429) },
        },
      },
      async (request) => ({
        has_access: await checkRoomAccess(ctx, principalOf(request), request.body.room_id),
      }),
    )
  }
}
