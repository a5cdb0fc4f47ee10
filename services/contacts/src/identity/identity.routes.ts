import {
  authenticate,
  bearerAuth,
  pageOf,
  pageOffset,
  principalOf,
  problems,
  registerServiceProbes,
  toPage,
} from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

import type { ContactsContext } from '../context'
import { presentProfile, presentSearchHit } from './identity.presenter'
import {
  PeopleQuerySchema,
  ProfileSchema,
  SearchResultSchema,
  SearchSchema,
  UpdateProfileSchema,
} from './identity.schema'
import { getProfile, searchPeople, searchPerson, updateProfile } from './identity.service'

const tags = ['contacts']

/** person_id search: 30 per minute per user, because a 6-digit id space is enumerable (SPEC section 2). */
export const SEARCH_LIMIT = { max: 30, timeWindow: 60_000 }

/** Name search: 60 per minute per user (typing a name asks once per pause). */
export const PEOPLE_SEARCH_LIMIT = { max: 60, timeWindow: 60_000 }

export function identityRoutes(ctx: ContactsContext): FastifyPluginAsyncZod {
  return async (app) => {
    registerServiceProbes(app, { prefix: '/acac', service: 'contacts', tags })

    app.get(
      '/acac/profile/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'My chat identity (created on first access)',
          security: bearerAuth,
          response: { 200: ProfileSchema, ...problems(401, 429) },
        },
      },
      async (request) => presentProfile(await getProfile(ctx, principalOf(request))),
    )

    app.patch(
      '/acac/profile/',
      {
        preHandler: authenticate,
        schema: {
          tags,
          summary: 'Edit my bio, status and whether people find me by name',
          description: 'username, email and avatar come from the auth service and are read-only here.',
          security: bearerAuth,
          body: UpdateProfileSchema,
          response: { 200: ProfileSchema, ...problems(400, 401, 413, 429) },
        },
      },
      async (request) => presentProfile(await updateProfile(ctx, principalOf(request), request.body)),
    )

    app.post(
      '/acac/search/',
      {
        preHandler: authenticate,
        config: ctx.rateLimits
          ? {
              rateLimit: {
                ...SEARCH_LIMIT,
                keyGenerator: (request) => `acac-search:${request.principal?.userId ?? request.ip}`,
              },
            }
          : {},
        schema: {
          tags,
          summary: 'Find a person of my tenant by person_id',
          description:
            '404 when nobody has that person_id in your tenant, or when that person blocked you. Limited to 30 per minute.',
          security: bearerAuth,
          body: SearchSchema,
          response: { 200: SearchResultSchema, ...problems(400, 401, 404, 413, 429) },
        },
      },
      async (request) =>
        presentSearchHit(await searchPerson(ctx, principalOf(request), request.body.person_id)),
    )

    app.get(
      '/acac/people/',
      {
        preHandler: authenticate,
        config: ctx.rateLimits
          ? {
              rateLimit: {
                ...PEOPLE_SEARCH_LIMIT,
                keyGenerator: (request) => `acac-people:${request.principal?.userId ?? request.ip}`,
              },
            }
          : {},
        schema: {
          tags,
          summary: 'Find people of my workspace by name or username',
          description:
            'Only people of my tenant who are discoverable (their setting, on by default), never myself and never someone who blocked me. Someone not discoverable is still found by person_id (POST /acac/search/). Limited to 60 per minute.',
          security: bearerAuth,
          querystring: PeopleQuerySchema,
          response: { 200: pageOf(SearchResultSchema), ...problems(400, 401, 429) },
        },
      },
      async (request) => {
        const { count, hits } = await searchPeople(
          ctx,
          principalOf(request),
          request.query.search,
          pageOffset(request.query),
        )
        return toPage(request.url, request.query, count, hits.map(presentSearchHit))
      },
    )
  }
}
