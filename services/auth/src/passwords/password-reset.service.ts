import { newId, transaction, validationFailed } from '@parley/platform'

import type { AuthContext } from '../context'
import { invalidResetToken } from '../errors'
import { applyRevocations, revokeUserSessions } from '../sessions/sessions.service'
import { isOpaqueToken, newOpaqueToken, tokenHash } from '../tokens/opaque-tokens'
import { DEFAULT_TENANT } from '../users/accounts.service'
import { accountKey, clearFailedLogins } from '../users/login-throttle'
import { findTenantBySlug, findUserByEmail } from '../users/users.repository'
import { hashPassword } from './password-hashing'
import {
  findLiveReset,
  insertResetToken,
  invalidateResetTokens,
  spendReset,
} from './password-resets.repository'
import { passwordProblems } from './password-rules'

export const RESET_TOKEN_TTL_MS = 30 * 60_000
/** SPEC section 2: forgot-password 2/hour per email (past it, still 202, nothing sent). */
export const FORGOT_LIMIT = { max: 2, windowMs: 3_600_000 }

/**
 * Mails a single-use reset link when the account exists and the email's hourly limit allows;
 * the caller answers 202 either way, so the answer never tells whether an account exists.
 */
export async function forgotPassword(
  ctx: AuthContext,
  input: { email: string; tenant?: string },
): Promise<void> {
  if (ctx.config.rateLimits && !(await withinForgotLimit(ctx, input.email))) return
  const tenant = await findTenantBySlug(ctx.db, input.tenant ?? DEFAULT_TENANT)
  const user = tenant ? await findUserByEmail(ctx.db, tenant.id, input.email) : undefined
  if (!user) return
  const token = newOpaqueToken()
  await insertResetToken(ctx.db, {
    id: newId(),
    userId: user.id,
    hash: tokenHash(token),
    expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_MS),
  })
  const link = `${ctx.config.http.publicUrl}/reset-password?token=${token}`
  // @NOTE Not awaited: an SMTP round trip would make a known email measurably slower than an unknown one.
  ctx.platform.mailer
    .send({
      to: user.email,
      subject: 'Reset your Parley password',
      text: [
        `Hello ${user.first_name || user.username},`,
        '',
        'Someone asked to reset the password of your Parley account. To choose a new one, open this link within 30 minutes:',
        '',
        link,
        '',
        'If it was not you, ignore this mail: your password stays as it is.',
      ].join('\n'),
    })
    .catch((err: unknown) =>
      ctx.log.error({ err: { message: (err as Error)?.message }, userId: user.id }, 'reset mail not sent'),
    )
}

async function withinForgotLimit(ctx: AuthContext, email: string): Promise<boolean> {
  try {
    const { count } = await ctx.platform.counters.hit(
      `auth:forgot:${email.toLowerCase()}`,
      FORGOT_LIMIT.windowMs,
    )
    if (count <= FORGOT_LIMIT.max) return true
    ctx.log.info('forgot-password limit reached for an email; nothing sent')
    return false
  } catch (err) {
    // @NOTE A security limit fails closed (SPEC section 2): no counter, no mail.
    ctx.log.warn(
      { err: { message: (err as Error)?.message } },
      'forgot-password counter unavailable; nothing sent',
    )
    return false
  }
}

/** Spends a reset token, sets the new password and revokes every session of the user. */
export async function resetPassword(
  ctx: AuthContext,
  input: { token: string; new_password: string },
): Promise<void> {
  if (!isOpaqueToken(input.token)) throw invalidResetToken()
  const hash = tokenHash(input.token)
  const reset = await findLiveReset(ctx.db, hash, new Date())
  if (!reset) throw invalidResetToken()
  const weak = passwordProblems(input.new_password, reset.email)
  if (weak.length) throw validationFailed({ new_password: weak })
  const passwordHash = await hashPassword(input.new_password)
  const revocations = await transaction(ctx.db, async (tx) => {
    if (!(await spendReset(tx.db, reset.id, new Date()))) throw invalidResetToken()
    await invalidateResetTokens(tx.db, reset.user_id)
    await tx.db
      .withSchema('auth')
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', reset.user_id)
      .execute()
    return revokeUserSessions(ctx, tx.db, reset.user_id, 'password-reset')
  })
  await applyRevocations(ctx, revocations)
  // @NOTE The owner proved the email: failed sign-ins by others no longer lock them out.
  await clearFailedLogins(ctx, accountKey(reset.tenant_id, reset.email))
  ctx.log.info({ userId: reset.user_id, sessionsRevoked: revocations.length }, 'password reset')
}
