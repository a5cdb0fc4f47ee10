import type { App } from '@parley/platform'
import { z } from 'zod'

import type { KeyRing } from './signing-keys'

const JwksSchema = z.object({
  keys: z.array(
    z.object({
      kty: z.string(),
      crv: z.string(),
      x: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
    }),
  ),
})

/** GET /.well-known/jwks.json: the public keys other services verify access tokens with. */
export function jwksRoutes(keys: KeyRing) {
  return async (app: App) => {
    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['auth'],
          summary: 'Public signing keys (Ed25519, EdDSA); tokens name theirs in the `kid` header',
          response: { 200: JwksSchema },
        },
      },
      async (_request, reply) =>
        reply.header('cache-control', 'public, max-age=300').send(keys.jwks() as z.infer<typeof JwksSchema>),
    )
  }
}
