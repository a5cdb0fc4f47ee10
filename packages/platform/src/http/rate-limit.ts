import { AppError } from '../errors'

/** One rate-limit policy, as the IETF RateLimit header fields describe it. */
export interface RatePolicy {
  /** Short token naming the policy (`login`, `default`). */
  name: string
  limit: number
  windowMs: number
}

/**
 * The headers of a refused request: `Retry-After`, the draft-07 `RateLimit-Limit/Remaining/Reset`
 * that @fastify/rate-limit emits, and the structured `RateLimit-Policy` / `RateLimit` fields of
 * draft-ietf-httpapi-ratelimit-headers (q = quota, w = window, r = remaining, t = seconds to reset).
 */
export function rateLimitHeaders(
  policy: RatePolicy,
  resetInMs: number,
  remaining = 0,
): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil(resetInMs / 1000)))
  const window = Math.max(1, Math.round(policy.windowMs / 1000))
  return {
    'retry-after': reset,
    'ratelimit-limit': String(policy.limit),
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': reset,
    'ratelimit-policy': `"${policy.name}";q=${policy.limit};w=${window}`,
    ratelimit: `"${policy.name}";r=${remaining};t=${reset}`,
  }
}

/** A 429 problem with every rate-limit header. */
export function rateLimited(policy: RatePolicy, resetInMs: number): AppError {
  const headers = rateLimitHeaders(policy, resetInMs)
  return new AppError(
    429,
    'rate-limited',
    'Too many requests',
    `Try again in ${headers['retry-after']} s.`,
    undefined,
    headers,
  )
}
