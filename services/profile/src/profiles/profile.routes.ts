import { authenticate, bearerAuth, principalOf, problems, registerServiceProbes } from '@parley/platform'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

import type { ProfileContext } from '../context'
import { refuseFields } from '../shared/fields'
import { ownerOf } from '../shared/owner'
import { presentProfile } from './profile.presenter'
import {
  ProfileSchema,
  READ_ONLY_PROFILE_FIELDS,
  ReplaceProfileSchema,
  UpdateProfileSchema,
} from './profile.schema'
import { changeProfile, getProfile } from './profile.service'

const tags = ['profile']

export function profileRoutes(ctx: ProfileContext): FastifyPluginAsyncZod {
  return async (app) => {
    registerServiceProbes(app, { prefix: '/profiles', service: 'profile', tags })

    app.get(
      '/profiles/profile/',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'My profile (created on first access)',
          security: bearerAuth,
          response: { 200: ProfileSchema, ...problems(401, 429) },
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
          response: { 200: ProfileSchema, ...problems(400, 401, 413, 429) },
        },
      },
      async (request) =>
        presentProfile(await changeProfile(ctx, ownerOf(principalOf(request)), request.body)),
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
          response: { 200: ProfileSchema, ...problems(400, 401, 413, 429) },
        },
      },
      async (request) =>
        presentProfile(await changeProfile(ctx, ownerOf(principalOf(request)), request.body)),
    )
  }
}
