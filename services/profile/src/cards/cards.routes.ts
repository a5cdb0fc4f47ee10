import { authenticate, bearerAuth, pageOf, principalOf, problems, toPage } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

import type { ProfileContext } from '../context'
import { IdParamsSchema, refuseFields } from '../shared/fields'
import { ownerOf } from '../shared/owner'
import { presentCard } from './cards.presenter'
import {
  CardListQuerySchema,
  CardSchema,
  CreateCardSchema,
  REFUSED_CARD_FIELDS,
  REFUSED_CARD_UPDATE_FIELDS,
  ReplaceCardSchema,
  UpdateCardSchema,
} from './cards.schema'
import { addCard, getCard, listMyCards, patchCard, removeCard, replaceCard } from './cards.service'

const tags = ['profile']
const forUpdate = { onRequest: authenticate, preValidation: refuseFields(REFUSED_CARD_UPDATE_FIELDS) }

export function cardRoutes(ctx: ProfileContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/profiles/cards/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'My payment cards (masked)',
          description:
            'Paged; `search` matches holder, brand and last four; `ordering` e.g. `-created_at` or `expiry`.',
          security: bearerAuth,
          querystring: CardListQuerySchema,
          response: { 200: pageOf(CardSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, rows } = await listMyCards(ctx, ownerOf(principalOf(request)), request.query)
        const now = ctx.now()
        return toPage(
          request.url,
          request.query,
          count,
          rows.map((c) => presentCard(c, now)),
        )
      },
    )

    app.post(
      '/profiles/cards/',
      {
        onRequest: authenticate,
        preValidation: refuseFields(REFUSED_CARD_FIELDS),
        schema: {
          tags,
          summary:
            'Save a card (at most 4; no CVV; the number is kept only as brand, last four and a fingerprint)',
          security: bearerAuth,
          body: CreateCardSchema,
          response: { 201: CardSchema, ...problems(400, 401, 409, 413, 429) },
        },
      },
      async (request, reply) => {
        const card = await addCard(ctx, ownerOf(principalOf(request)), request.body)
        return reply.code(201).send(presentCard(card, ctx.now()))
      },
    )

    app.get(
      '/profiles/cards/:id/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'One of my cards (masked)',
          security: bearerAuth,
          params: IdParamsSchema,
          response: { 200: CardSchema, ...problems(400, 401, 404, 429) },
        },
      },
      async (request) =>
        presentCard(await getCard(ctx, ownerOf(principalOf(request)), request.params.id), ctx.now()),
    )

    app.put(
      '/profiles/cards/:id/',
      {
        ...forUpdate,
        schema: {
          tags,
          summary: 'Replace holder, expiry and default flag of a card (the number never changes)',
          security: bearerAuth,
          params: IdParamsSchema,
          body: ReplaceCardSchema,
          response: { 200: CardSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request) =>
        presentCard(
          await replaceCard(ctx, ownerOf(principalOf(request)), request.params.id, request.body),
          ctx.now(),
        ),
    )

    app.patch(
      '/profiles/cards/:id/',
      {
        ...forUpdate,
        schema: {
          tags,
          summary: 'Change holder, expiry or default flag of a card',
          security: bearerAuth,
          params: IdParamsSchema,
          body: UpdateCardSchema,
          response: { 200: CardSchema, ...problems(400, 401, 404, 409, 413, 429) },
        },
      },
      async (request) =>
        presentCard(
          await patchCard(ctx, ownerOf(principalOf(request)), request.params.id, request.body),
          ctx.now(),
        ),
    )

    app.delete(
      '/profiles/cards/:id/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'Remove a card',
          security: bearerAuth,
          params: IdParamsSchema,
          response: { 204: z.null(), ...problems(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        await removeCard(ctx, ownerOf(principalOf(request)), request.params.id)
        return reply.code(204).send(null)
      },
    )
  }
}
