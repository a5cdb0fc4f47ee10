import { authenticate, bearerAuth, pageOf, pageOffset, principalOf, problems, toPage } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

import type { ContactsContext } from '../context'
import type { Identity } from '../identity/identity.repository'
import { listQuery } from '../shared/lists'
import { PersonIdParamsSchema, PersonSchema, presentPerson } from '../shared/person.presenter'
import { type Block, BLOCK_ORDERINGS } from './blocks.repository'
import { blockPerson, listMyBlocks, unblockPerson } from './blocks.service'

const tags = ['contacts']

const BlockSchema = z.object({ blocked: PersonSchema, created_at: z.string() })

function presentBlock({ block, blocked }: { block: Block; blocked: Identity }): z.infer<typeof BlockSchema> {
  return { blocked: presentPerson(blocked), created_at: block.createdAt.toISOString() }
}

export function blockRoutes(ctx: ContactsContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/acac/blocks/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'People I blocked',
          security: bearerAuth,
          querystring: listQuery(BLOCK_ORDERINGS, '-created_at'),
          response: { 200: pageOf(BlockSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await listMyBlocks(ctx, principalOf(request), {
          ...request.query,
          ...pageOffset(request.query),
        })
        return toPage(request.url, request.query, count, rows.map(presentBlock))
      },
    )

    app.post(
      '/acac/blocks/:person_id/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Block a person',
          description:
            'Removes an existing contact (contact.removed), cancels pending invites between the two and publishes user.blocked. 201 when blocked now, 200 when already blocked.',
          security: bearerAuth,
          params: PersonIdParamsSchema,
          response: { 200: BlockSchema, 201: BlockSchema, ...problems(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const result = await blockPerson(ctx, principalOf(request), request.params.person_id)
        return reply.code(result.created ? 201 : 200).send(presentBlock(result))
      },
    )

    app.delete(
      '/acac/blocks/:person_id/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Unblock a person',
          description: 'Publishes user.unblocked. A removed contact is not restored.',
          security: bearerAuth,
          params: PersonIdParamsSchema,
          response: { 204: z.null().describe('Unblocked'), ...problems(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        await unblockPerson(ctx, principalOf(request), request.params.person_id)
        return reply.code(204).send(null)
      },
    )
  }
}
