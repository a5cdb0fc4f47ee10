import { describe, expect, it } from 'vitest'

import { isBackendUnavailable, problemFor } from './problem'

function withCode(message: string, code: string) {
  return Object.assign(new Error(message), { code })
}

describe(problemFor.name, () => {
  const unavailable = {
    'pg: connection refused': withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    'pg: terminated by the server': withCode('terminating connection due to administrator command', '57P01'),
    'pg: server starting': withCode('the database system is starting up', '57P03'),
    'pg: connection failure (class 08)': withCode('connection failure', '08006'),
    'pg: idle client lost': new Error('Connection terminated unexpectedly'),
    'pg: pool timeout': new Error('timeout exceeded when trying to connect'),
    'node: both addresses refused': new AggregateError(
      [withCode('connect ECONNREFUSED ::1:6379', 'ECONNREFUSED')],
      '',
    ),
    'ioredis: closed': new Error('Connection is closed.'),
    'ioredis: offline': new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    'ioredis: retries': Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
      name: 'MaxRetriesPerRequestError',
    }),
    'wrapped cause': new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
  }

  for (const [name, err] of Object.entries(unavailable)) {
    it(`answers 503 with Retry-After for ${name}`, () => {
      const { problem, headers, unexpected } = problemFor(err)
      expect(problem).toMatchObject({ status: 503, type: '/problems/service-unavailable' })
      expect(headers).toEqual({ 'retry-after': '2' })
      expect(unexpected).toBe(false)
    })
  }

  it('keeps real bugs and SQL errors as 500s', () => {
    expect(isBackendUnavailable(new TypeError('x is undefined'))).toBe(false)
    expect(isBackendUnavailable(withCode('duplicate key value', '23505'))).toBe(false)
    expect(isBackendUnavailable(withCode('syntax error', '42601'))).toBe(false)
    expect(problemFor(new Error('boom')).problem.status).toBe(500)
  })
})

describe('malformed multipart bodies (issue 14 fuzz)', () => {
  it('answers busboy parse errors with 400, not 500', () => {
    const { problem, unexpected } = problemFor(new Error('Unexpected end of multipart data'))
    expect(problem.status).toBe(400)
    expect(problem.type).toBe('/problems/malformed-multipart')
    expect(unexpected).toBe(false)
  })
})
