import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'

import { authenticate, bearerAuth, principalOf } from './app'

/** Any Fastify instance with the zod type provider, as a service's route plugin receives it. */
type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>

const TestAuthSchema = z.object({
  authenticated: z.literal(true),
  user_id: z.string(),
  tenant_id: z.string(),
  person_id: z.string(),
})

/**
 * Seed 000's two probes that every service answers under its own prefix:
 * `GET /<prefix>/health/` and `GET /<prefix>/test-auth/` (a token check).
 */
export function registerServiceProbes(
  app: ZodApp,
  options: { prefix: string; service: string; tags: string[] },
) {
  const { prefix, service, tags } = options
  app.get(
    `${prefix}/health/`,
    {
      schema: {
        tags,
        summary: `Health of the ${service} service`,
        response: { 200: z.object({ status: z.literal('ok'), service: z.literal(service) }) },
      },
    },
    async () => ({ status: 'ok' as const, service }),
  )
  app.get(
    `${prefix}/test-auth/`,
    {
      preHandler: authenticate,
      schema: {
        tags,
        summary: 'Check an access token',
        security: bearerAuth,
        response: { 200: TestAuthSchema },
      },
    },
    async (request) => {
      const p = principalOf(request)
      return { authenticated: true as const, user_id: p.userId, tenant_id: p.tenantId, person_id: p.personId }
    },
  )
}
