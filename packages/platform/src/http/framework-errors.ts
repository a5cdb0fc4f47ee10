import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'

import type { FastifyReply, FastifyRequest } from 'fastify'

import { sendProblem } from './problem'

function problemBody(status: number, slug: string, detail: string) {
  return JSON.stringify({ type: `/problems/${slug}`, title: STATUS_CODES[status] ?? 'Error', status, detail })
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a request
 * that timed out, malformed HTTP): answered in problem+json like every other 4xx, then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, slug, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers-too-large', 'The request line and headers are too large.']
        : [400, 'bad-request', 'The request is not valid HTTP.']
  const body = problemBody(status, slug, detail)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** URLs the router cannot decode (`%C3%28`) and path parameters past their length: 400 / 414 problems. */
export function frameworkErrors(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  reply.header('cache-control', 'no-store')
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(reply, {
      type: '/problems/uri-too-long',
      title: 'URI too long',
      status: 414,
      detail: 'A path parameter is too long.',
    })
  }
  return sendProblem(reply, {
    type: '/problems/malformed-url',
    title: 'Malformed URL',
    status: 400,
    detail: 'The URL is not valid (bad percent-encoding or invalid UTF-8).',
  })
}
