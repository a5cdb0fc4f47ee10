import { pageOf } from '@parley/platform'
import { z } from 'zod'

import { TenantSlugSchema, TokenPairSchema, UserSchema } from '../users/users.schema'

export const ProviderParamsSchema = z.object({
  provider: z.string().min(1).max(32).describe('Provider name as configured in OAUTH_PROVIDERS.'),
})

/** A configured provider, for the web client's "Continue with …" buttons. */
export const ProviderSchema = z.object({
  name: z.string(),
  display_name: z.string(),
  type: z.enum(['oidc', 'github']),
  start_url: z.string().describe('Navigate the browser here (add `?tenant=` and `?return_to=`).'),
})
export const ProviderListSchema = pageOf(ProviderSchema)

// @NOTE A path on this site only: "//evil.example" or "/\\evil" would leave it (open redirect).
const ReturnToSchema = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[^\s]*$/, 'Use a path on this site, such as /chats.')

export const StartQuerySchema = z
  .object({
    tenant: TenantSlugSchema.optional(),
    return_to: ReturnToSchema.optional().describe('Where the web app goes after signing in; default /chats.'),
  })
  .strict()

/** The provider's redirect back; providers add parameters of their own, so unknown ones are allowed. */
export const CallbackQuerySchema = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(512).optional(),
    error: z.string().max(512).optional(),
  })
  .loose()

export const ExchangeSchema = z
  .object({ handoff: z.string().min(1).max(512).describe('The `handoff` of /oauth/complete?handoff=…') })
  .strict()

export const ExchangeResponseSchema = TokenPairSchema.extend({
  user: UserSchema,
  return_to: z.string().describe('The path the sign-in was started from.'),
})

/** A linked sign-in method of the signed-in user. */
export const LinkSchema = z.object({
  provider: z.string(),
  display_name: z.string().describe('The provider as configured now (its name if no longer configured).'),
  email: z.string().nullable().describe('The email the provider gave at the last sign-in.'),
  created_at: z.string(),
  last_used_at: z.string(),
})
export const LinkListSchema = pageOf(LinkSchema)
