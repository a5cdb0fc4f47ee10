import { authenticate, bearerAuth, principalOf, problems, registerServiceProbes } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

import type { ContactsContext } from '../context'
import { presentProfile, presentSearchHit } from './identity.presenter'
import { ProfileSchema, SearchResultSchema, SearchSchema, UpdateProfileSchema } from './identity.schema'
import { getProfile, searchPerson, updateProfile } from './identity.service'

const tags = ['contacts']

/** person_id search: 30 per minute per user, because a 6-digit id space is enumerable (SPEC section 2). */
export const SEARCH_LIMIT = { max: 30, timeWindow: 60_000 }

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
          summary: 'Edit my bio and status',
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
  }
}
