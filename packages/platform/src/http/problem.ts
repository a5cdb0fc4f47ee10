import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'

import { AppError, type Problem, toProblem } from '../errors'

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

function fieldPath(path: ReadonlyArray<PropertyKey> | string | undefined, fallback: string): string {
  if (Array.isArray(path)) return path.length ? path.map(String).join('.') : fallback
  if (typeof path === 'string' && path) return path.replace(/^\//, '').replace(/\//g, '.') || fallback
  return fallback
}

/** Maps any thrown error to a problem; unknown errors become a generic 500. */
export function problemFor(err: unknown): {
  problem: Problem
  headers?: Record<string, string>
  unexpected: boolean
} {
  if (err instanceof AppError) return { problem: toProblem(err), headers: err.headers, unexpected: false }
  const e = err as FastifyError & { validationContext?: string }
  if (hasZodFastifySchemaValidationErrors(e)) {
    const errors: Record<string, string[]> = {}
    for (const v of e.validation) {
      const keys = (v.params as { keys?: string[] })?.keys
      if (v.keyword === 'unrecognized_keys' && keys) {
        const prefix = fieldPath(v.instancePath, '')
        for (const key of keys) (errors[prefix ? `${prefix}.${key}` : key] ??= []).push('Unknown field.')
        continue
      }
      const field = fieldPath(v.instancePath, e.validationContext ?? 'body')
      ;(errors[field] ??= []).push(v.message ?? 'Invalid value.')
    }
    return {
      problem: {
        type: '/problems/validation-error',
        title: 'Validation failed',
        status: 400,
        detail: `The request ${e.validationContext ?? 'body'} has invalid fields.`,
        errors,
      },
      unexpected: false,
    }
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        problem: simple(413, 'payload-too-large', 'Payload too large', 'The request body is too large.'),
        unexpected: false,
      }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        problem: simple(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.'),
        unexpected: false,
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        problem: simple(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          'Send application/json (or multipart/form-data for uploads).',
        ),
        unexpected: false,
      }
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return {
        problem: simple(413, 'payload-too-large', 'Payload too large', 'The uploaded file is too large.'),
        unexpected: false,
      }
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return {
        problem: simple(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          'Send multipart/form-data with a `file` field.',
        ),
        unexpected: false,
      }
  }
  // @NOTE Busboy (multipart) reports a malformed upload with plain Errors: the client's fault, not ours.
  if (e instanceof Error && !e.code && MALFORMED_MULTIPART.test(e.message)) {
    return {
      problem: simple(
        400,
        'malformed-multipart',
        'Malformed multipart body',
        'The multipart/form-data body is malformed.',
      ),
      unexpected: false,
    }
  }
  if (e?.statusCode === 429) {
    return {
      problem: simple(429, 'rate-limited', 'Too many requests', e.message),
      unexpected: false,
    }
  }
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { problem: simple(e.statusCode, 'bad-request', 'Bad request', e.message), unexpected: false }
  }
  if (isBackendUnavailable(err)) {
    return {
      problem: simple(
        503,
        'service-unavailable',
        'Service unavailable',
        'A backing service is unavailable; try again shortly.',
      ),
      headers: { 'retry-after': '2' },
      unexpected: false,
    }
  }
  return {
    problem: simple(500, 'internal-error', 'Internal server error', 'Something went wrong on our side.'),
    unexpected: true,
  }
}

const MALFORMED_MULTIPART =
  /^(Unexpected end of (multipart data|form)|Malformed part header|Multipart: Boundary not found|Part terminated early)/

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
])
// @NOTE SQLSTATE class 08 (connection exception), server shutting down or starting, too many connections.
const PG_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300)$/
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Stream isn't writeable|enableOfflineQueue options is false|Reached the max retries per request|the database system is (starting up|shutting down)/i

/**
 * True when `err` (or its cause, or one error of an AggregateError) says PostgreSQL, Redis or
 * object storage is unreachable: the request should fail fast with 503, not look like a bug.
 */
export function isBackendUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown }
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code))) return true
  if (e.name === 'MaxRetriesPerRequestError') return true
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true
  if (Array.isArray(e.errors) && e.errors.some((inner) => isBackendUnavailable(inner, depth + 1))) return true
  return isBackendUnavailable(e.cause, depth + 1)
}

function simple(status: number, slug: string, title: string, detail: string): Problem {
  return { type: `/problems/${slug}`, title, status, detail }
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers?: Record<string, string>) {
  if (headers) reply.headers(headers)
  return reply.code(problem.status).type(PROBLEM_TYPE).send(problem)
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { problem, headers, unexpected } = problemFor(err)
  if (unexpected) request.log.error({ err, reqId: request.id }, 'unexpected error')
  else if (problem.status === 503 && !(err instanceof AppError)) {
    request.log.warn({ reqId: request.id, reason: (err as Error)?.message }, 'backing service unavailable')
  }
  return sendProblem(reply, problem, headers)
}
