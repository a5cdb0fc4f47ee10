import { validationFailed } from '@parley/platform'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'

const E164 = /^\+[1-9]\d{6,14}$/

/**
 * A phone number in E.164 (`+14155550100`). Spaces, dashes, dots and parentheses are dropped
 * first, so `+1 (415) 555-0100` is accepted and stored as `+14155550100`.
 */
export const PhoneSchema = z
  .string()
  .max(32)
  .transform((v) => v.replace(/[\s\-.()]/g, ''))
  .pipe(z.string().regex(E164, 'Use E.164 format: + then country code and number, e.g. +14155550100.'))

/** Optional free text: trimmed, and an empty string means "none" (stored as null). */
export function optionalText(max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable()
}

export function requiredText(max: number) {
  return z.string().trim().min(1, 'This field may not be blank.').max(max)
}

export const TimestampSchema = z.string().describe('ISO 8601 timestamp')

/** Uniform wire format for timestamps. */
export function iso(date: Date | string): string {
  return new Date(date).toISOString()
}

/**
 * A preValidation hook that refuses some body fields with a specific message, before the strict
 * schema would answer a generic "Unknown field." (e.g. a CVV, or a read-only `email`).
 */
export function refuseFields(messages: Record<string, string>) {
  return async (request: FastifyRequest) => {
    const body = request.body
    if (!body || typeof body !== 'object' || Array.isArray(body)) return
    const errors: Record<string, string[]> = {}
    for (const field of Object.keys(body)) {
      const message = messages[field]
      if (message) errors[field] = [message]
    }
    if (Object.keys(errors).length) throw validationFailed(errors)
  }
}

/** The path parameter of a single-object route; ids are checked by the service (bad ids are 404s). */
export const IdParamsSchema = z.object({ id: z.string().describe('The object id (UUID)') })
