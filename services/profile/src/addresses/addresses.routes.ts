import { authenticate, bearerAuth, pageOf, principalOf, problems, toPage } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

import type { ProfileContext } from '../context'
import { IdParamsSchema, refuseFields } from '../shared/fields'
import { ownerOf } from '../shared/owner'
import { presentAddress } from './addresses.presenter'
import {
  AddressListQuerySchema,
  AddressSchema,
  CreateAddressSchema,
  READ_ONLY_ADDRESS_FIELDS,
  UpdateAddressSchema,
} from './addresses.schema'
import {
  createAddress,
  getAddress,
  listMyAddresses,
  patchAddress,
  removeAddress,
  replaceAddress,
} from './addresses.service'

const tags = ['profile']
const guarded = { onRequest: authenticate, preValidation: refuseFields(READ_ONLY_ADDRESS_FIELDS) }

export function addressRoutes(ctx: ProfileContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/profiles/addresses/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'My addresses',
          description:
            'Paged; `search` matches city, line1 and zip_code; `ordering` e.g. `-created_at` or `city,-updated_at`.',
          security: bearerAuth,
          querystring: AddressListQuerySchema,
          response: { 200: pageOf(AddressSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await listMyAddresses(ctx, ownerOf(principalOf(request)), request.query)
        return toPage(request.url, request.query, count, rows.map(presentAddress))
      },
    )

    app.post(
      '/profiles/addresses/',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Add an address (one per type; at most one default)',
          security: bearerAuth,
          body: CreateAddressSchema,
          response: { 201: AddressSchema, ...problems(400, 401, 409, 413, 429) },
        },
      },
      async (request, reply) => {
        const address = await createAddress(ctx, ownerOf(principalOf(request)), request.body)
        return reply.code(201).send(presentAddress(address))
      },
    )

    app.get(
      '/profiles/addresses/:id/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'One of my addresses',
          security: bearerAuth,
          params: IdParamsSchema,
          response: { 200: AddressSchema, ...problems(400, 401, 404, 429) },
        },
      },
      async (request) =>
        presentAddress(await getAddress(ctx, ownerOf(principalOf(request)), request.params.id)),
    )

    app.put(
      '/profiles/addresses/:id/',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Replace an address (optional fields left out become empty)',
          security: bearerAuth,
          params: IdParamsSchema,
          body: CreateAddressSchema,
          response: { 200: AddressSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request) =>
        presentAddress(
          await replaceAddress(ctx, ownerOf(principalOf(request)), request.params.id, request.body),
        ),
    )

    app.patch(
      '/profiles/addresses/:id/',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Change some fields of an address',
          security: bearerAuth,
          params: IdParamsSchema,
          body: UpdateAddressSchema,
          response: { 200: AddressSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request) =>
        presentAddress(
          await patchAddress(ctx, ownerOf(principalOf(request)), request.params.id, request.body),
        ),
    )

    app.delete(
      '/profiles/addresses/:id/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'Delete an address',
          security: bearerAuth,
          params: IdParamsSchema,
          response: { 204: z.null(), ...problems(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        await removeAddress(ctx, ownerOf(principalOf(request)), request.params.id)
        return reply.code(204).send(null)
      },
    )
  }
}
