import { type App, authenticate, bearerAuth, notFound, principalOf, problems } from '@parley/platform'
import { z } from 'zod'

import type { AuthContext } from '../context'
import { avatarTooLarge, missingFile } from '../errors'
import { UserSchema } from '../users/users.schema'
import { AVATAR_MAX_BYTES, readAvatar, removeAvatar, setAvatar } from './avatar.service'

const tags = ['auth']

/** Avatar upload and removal, and the public avatar files. */
export function avatarRoutes(ctx: AuthContext) {
  return async (app: App) => {
    app.post(
      '/api/auth/upload-avatar/',
      {
        schema: {
          tags,
          summary:
            'Upload an avatar (multipart `file`: PNG, JPEG, WebP or GIF, at most 5 MB); stored as a 256×256 WebP',
          security: bearerAuth,
          consumes: ['multipart/form-data'],
          response: { 200: UserSchema, ...problems(400, 401, 413, 415, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => {
        const principal = principalOf(request)
        const file = await request.file({ limits: { fileSize: AVATAR_MAX_BYTES, files: 1 } })
        if (!file || file.fieldname !== 'file') throw missingFile()
        let bytes: Buffer
        try {
          bytes = await file.toBuffer()
        } catch (err) {
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
            throw avatarTooLarge(AVATAR_MAX_BYTES)
          throw err
        }
        return setAvatar(ctx, principal, bytes)
      },
    )

    app.delete(
      '/api/auth/remove-avatar/',
      {
        schema: {
          tags,
          summary: 'Remove the avatar',
          security: bearerAuth,
          response: { 200: UserSchema, ...problems(401, 429) },
        },
        preHandler: authenticate,
      },
      async (request) => removeAvatar(ctx, principalOf(request)),
    )

    app.get(
      '/media/avatars/:file',
      {
        schema: {
          tags,
          summary: 'An avatar image (public; the name changes with every upload, so it is cached for good)',
          params: z.object({ file: z.string().max(128) }),
          produces: ['image/webp'],
        },
      },
      async (request, reply) => {
        const bytes = await readAvatar(ctx, request.params.file)
        if (!bytes) throw notFound('Avatar')
        return reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('content-type', 'image/webp')
          .send(bytes)
      },
    )
  }
}
