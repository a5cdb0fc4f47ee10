import { z } from 'zod'

import type { Problem } from '../errors'

/** RFC 9457 problem+json, for the OpenAPI document of error answers (SPEC section 2). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json).')

/** The statuses a route may document as problems. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 502 | 503

/**
 * Problem responses by status, for a route's `response` map.
 * @example response: { 200: CardSchema, ...problems(400, 401, 404) }
 */
export function problems(...statuses: ProblemStatus[]) {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema])) as Record<number, typeof ProblemSchema>
}

// @NOTE The error handler renders `Problem`; this fails to compile when the two shapes drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const problemMatchesSchema: Same<Problem, z.infer<typeof ProblemSchema>> = true
void problemMatchesSchema
