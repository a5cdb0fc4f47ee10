export interface BackoffOptions {
  baseMs?: number
  maxMs?: number
  factor?: number
  /** Injected for tests; defaults to Math.random. */
  random?: () => number
}

/**
 * Exponential backoff with "equal jitter": half the window fixed, half random, so a fleet of
 * clients that lost the same server does not reconnect in lockstep, yet none retries instantly.
 * `attempt` starts at 1.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const { baseMs = 500, maxMs = 30_000, factor = 2, random = Math.random } = opts
  const n = Math.max(1, Math.floor(attempt))
  const ceiling = Math.min(maxMs, baseMs * factor ** (n - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
