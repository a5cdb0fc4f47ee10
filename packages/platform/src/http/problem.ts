import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, toProblem, type Problem } from '../errors'

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

function fieldPath(path: ReadonlyArray<PropertyKey> | string | undefined, fallback: string): string {
  if (Array.isArray(path)) return path.length ? path.map(String).join('.') : fallback
  if (typeof path === 'string' && path) return path.replace(/^\//, '').replace(/\//g, '.') || fallback
  return fallback
}

/** Maps any thrown error to a problem; unknown errors become a generic 500. */
export function problemFor(err: unknown): { problem: Problem; headers?: Record<string, string>; unexpected: boolean } {
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
      return { problem: simple(413, 'payload-too-large', 'Payload too large', 'The request body is too large.'), unexpected: false }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { problem: simple(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.'), unexpected: false }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        problem: simple(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json (or multipart/form-data for uploads).'),
        unexpected: false,
      }
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return { problem: simple(413, 'payload-too-large', 'Payload too large', 'The uploaded file is too large.'), unexpected: false }
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { problem: simple(415, 'unsupported-media-type', 'Unsupported media type', 'Send multipart/form-data with a `file` field.'), unexpected: false }
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
  if ((e as { code?: string })?.code === 'ECONNREFUSED' || /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(e?.message ?? '')) {
    return {
      problem: simple(503, 'service-unavailable', 'Service unavailable', 'A backing service is unavailable; try again shortly.'),
      headers: { 'retry-after': '2' },
      unexpected: false,
    }
  }
  return { problem: simple(500, 'internal-error', 'Internal server error', 'Something went wrong on our side.'), unexpected: true }
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
  return sendProblem(reply, problem, headers)
}
