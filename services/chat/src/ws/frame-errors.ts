import type { ErrorCode } from '@parley/contracts'
import { AppError, problemFor } from '@parley/platform'

/** Maps a thrown error to an error frame's code and message; unknown errors stay generic. */
export function errorFrameFor(err: unknown): { code: ErrorCode; message: string; unexpected: boolean } {
  if (err instanceof AppError) {
    const fields = err.errors
      ? ` ${Object.entries(err.errors)
          .map(([k, v]) => `${k}: ${v.join(' ')}`)
          .join('; ')}`
      : ''
    const message = `${err.detail ?? err.title}${fields}`
    if (err.status === 404) return { code: 'not_found', message, unexpected: false }
    if (err.slug === 'conversation-read-only') return { code: 'read_only', message, unexpected: false }
    if (err.status === 403) return { code: 'forbidden', message, unexpected: false }
    if (err.status === 401) return { code: 'unauthorized', message, unexpected: false }
    if (err.status === 503) return { code: 'unavailable', message, unexpected: false }
    if (err.status >= 400 && err.status < 500) return { code: 'invalid_frame', message, unexpected: false }
  }
  // @NOTE A database or Redis outage is not a bug: the client should retry (same client_id) shortly.
  const { problem } = problemFor(err)
  if (problem.status === 503)
    return {
      code: 'unavailable',
      message: `${problem.detail} Retry with the same client_id.`,
      unexpected: false,
    }
  return { code: 'internal_error', message: 'Something went wrong on our side.', unexpected: true }
}
