import { rateLimited, type RatePolicy, serviceUnavailable } from '@parley/platform'

import type { AuthContext } from '../context'

/**
 * Failed sign-ins per account, whatever the client's IP (issue 14): past 20 failures in 15
 * minutes the account answers 429 until its window ends, even to the right password. Its owner
 * can still reset the password, which clears the count.
 */
export const LOGIN_ACCOUNT_LIMIT: RatePolicy = { name: 'login-account', limit: 20, windowMs: 15 * 60_000 }

/**
 * The counter key of one account: its tenant (id, or the slug when no such tenant exists, so that
 * unknown accounts are throttled alike) and its email, trimmed and lowercased.
 */
export function accountKey(tenant: string, email: string): string {
  return `auth:login-fail:${tenant}:${email.trim().toLowerCase()}`
}

// @NOTE A security limit fails closed (SPEC section 2): no counter, no sign-in.
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch {
    throw serviceUnavailable()
  }
}

/** Throws 429 (with Retry-After and RateLimit headers) while the account is throttled. */
export async function assertAccountNotThrottled(ctx: AuthContext, key: string): Promise<void> {
  if (!ctx.config.rateLimits) return
  const { count, resetInMs } = await guarded(() => ctx.platform.counters.peek(key))
  if (count >= LOGIN_ACCOUNT_LIMIT.limit) {
    ctx.log.info({ resetInMs }, 'sign-in refused: too many failed attempts on this account')
    throw rateLimited(LOGIN_ACCOUNT_LIMIT, resetInMs)
  }
}

/** Counts one failed sign-in on the account. */
export async function recordFailedLogin(ctx: AuthContext, key: string): Promise<void> {
  if (!ctx.config.rateLimits) return
  await guarded(() => ctx.platform.counters.hit(key, LOGIN_ACCOUNT_LIMIT.windowMs))
}

/**
 * Forgets the account's failures once its owner has reset the password. (A successful sign-in
 * does not: that would hand a guesser twenty more tries each time the owner signs in.)
 */
export async function clearFailedLogins(ctx: AuthContext, key: string): Promise<void> {
  if (!ctx.config.rateLimits) return
  await ctx.platform.counters
    .clear(key)
    .catch((err: unknown) =>
      ctx.log.warn({ err: { message: (err as Error)?.message } }, 'failed-login counter not cleared'),
    )
}
