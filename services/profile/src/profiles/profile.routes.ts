import { authenticate, bearerAuth, principalOf } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ProfileContext } from '../context'
import { refuseFields } from '../shared/fields'
import { ownerOf } from '../shared/owner'
import { presentProfile } from './profile.presenter'
import { ProfileSchema, READ_ONLY_PROFILE_FIELDS, ReplaceProfileSchema, UpdateProfileSchema } from './profile.schema'
import { changeProfile, getProfile } from './profile.service'

const tags = ['profile']

export function profileRoutes(ctx: ProfileContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/profiles/health/',
      {
        schema: {
          tags,
          summary: 'Health of the profile service',
          response: { 200: z.object({ status: z.literal('ok'), service: z.literal('profile') }) },
        },
      },
      async () => ({ status: 'ok' as const, service: 'profile' as const }),
    )

    app.get(
      '/profiles/test-auth/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'Check an access token',
          security: bearerAuth,
          response: {
            200: z.object({ authenticated: z.literal(true), user_id: z.string(), tenant_id: z.string(), person_id: z.string() }),
          },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return { authenticated: true as const, user_id: p.userId, tenant_id: p.tenantId, person_id: p.personId }
      },
    )

    app.get(
      '/profiles/profile/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'My profile (created on first access)',
          security: bearerAuth,
          response: { 200: ProfileSchema },
        },
      },
      async (request) => presentProfile(await getProfile(ctx, ownerOf(principalOf(request)))),
    )

    app.put(
      '/profiles/profile/',
      {
        onRequest: authenticate,
        preValidation: refuseFields(READ_ONLY_PROFILE_FIELDS),
        schema: {
          tags,
          summary: 'Replace my profile (every editable field; null clears one)',
          security: bearerAuth,
          body: ReplaceProfileSchema,
          response: { 200: ProfileSchema },
        },
      },
      async (request) => presentProfile(await changeProfile(ctx, ownerOf(principalOf(request)), request.body)),
    )

    app.patch(
      '/profiles/profile/',
      {
        onRequest: authenticate,
        preValidation: refuseFields(READ_ONLY_PROFILE_FIELDS),
        schema: {
          tags,
          summary: 'Change some fields of my profile',
          security: bearerAuth,
          body: UpdateProfileSchema,
          response: { 200: ProfileSchema },
        },
      },
      async (request) => presentProfile(await changeProfile(ctx, ownerOf(principalOf(request)), request.body)),
    )
  }
}
