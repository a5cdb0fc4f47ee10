import { z } from 'zod'

/** RFC 9457 problem+json, for the OpenAPI document of error answers. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json).')

/** Problem responses by status, for a route's `response` map. */
export function problems(...statuses: Array<400 | 401 | 404 | 409 | 413 | 415 | 429>) {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema])) as Record<number, typeof ProblemSchema>
}
