import { AppError, conflict, notFound } from '@parley/platform'
import * as oidc from 'openid-client'

/**
 * Why a sign-in through a provider failed. The browser is sent to `/sign-in?error=<code>` and an
 * API client gets the matching problem+json (`/problems/oauth-<code with hyphens>`).
 */
export type OAuthFailureCode =
  | 'invalid_state'
  | 'access_denied'
  | 'code_rejected'
  | 'invalid_response'
  | 'provider_unavailable'
  | 'email_required'
  | 'account_exists'
  | 'signup_closed'

const FAILURES: Record<OAuthFailureCode, { status: number; title: string; detail: string }> = {
  invalid_state: {
    status: 400,
    title: 'Sign-in request not recognised',
    detail: 'This sign-in link is invalid, was already used or has expired. Start again.',
  },
  access_denied: {
    status: 400,
    title: 'Sign-in cancelled',
    detail: 'The provider did not let you sign in (cancelled or refused).',
  },
  code_rejected: {
    status: 400,
    title: 'Sign-in code rejected',
    detail: 'The provider rejected the sign-in code (already used or expired). Start again.',
  },
  invalid_response: {
    status: 502,
    title: 'Provider answer not trusted',
    detail: "The provider's answer could not be verified, so nobody was signed in.",
  },
  provider_unavailable: {
    status: 503,
    title: 'Provider unavailable',
    detail: 'The sign-in provider cannot be reached right now. Try again shortly.',
  },
  email_required: {
    status: 400,
    title: 'Email needed',
    detail: 'The provider did not share an email address, which a Parley account needs.',
  },
  account_exists: {
    status: 409,
    title: 'Account exists',
    detail:
      'An account with this email already exists, and the provider has not verified the email. Sign in with your password.',
  },
  signup_closed: {
    status: 400,
    title: 'Unknown workspace',
    detail: 'No workspace has this name, and new workspaces cannot be created.',
  },
}

/** An expected end of a provider sign-in, with a stable code the web client shows. */
export class OAuthFailure extends Error {
  override name = 'OAuthFailure'
  constructor(
    readonly code: OAuthFailureCode,
    options?: ErrorOptions,
  ) {
    super(FAILURES[code].detail, options)
  }

  /** Maps what openid-client (or a fetch) threw to a failure code. */
  static from(err: unknown): OAuthFailure {
    if (err instanceof OAuthFailure) return err
    if (err instanceof oidc.AuthorizationResponseError)
      return new OAuthFailure(err.error === 'access_denied' ? 'access_denied' : 'invalid_response', {
        cause: err,
      })
    if (err instanceof oidc.ResponseBodyError) {
      if (err.error === 'invalid_grant') return new OAuthFailure('code_rejected', { cause: err })
      return new OAuthFailure(err.status >= 500 ? 'provider_unavailable' : 'invalid_response', { cause: err })
    }
    if (isNetworkError(err)) return new OAuthFailure('provider_unavailable', { cause: err })
    // @NOTE State, nonce, signature, issuer, audience and expiry checks all end here.
    return new OAuthFailure('invalid_response', { cause: err })
  }

  /** Why, for the log: the causes' messages and codes, the OAuth `error`, a failed claim's name (no values). */
  get reason(): string | undefined {
    const parts: string[] = []
    let cause: unknown = this.cause
    for (let depth = 0; cause && depth < 4; depth++) {
      const c = cause as {
        message?: unknown
        code?: unknown
        error?: unknown
        claim?: unknown
        cause?: unknown
      }
      for (const part of [
        c.message,
        c.code,
        c.error && `error=${String(c.error)}`,
        c.claim && `claim=${String(c.claim)}`,
      ])
        if (typeof part === 'string' && part && !parts.includes(part)) parts.push(part)
      cause = c.cause instanceof URLSearchParams ? undefined : c.cause
    }
    return parts.length ? parts.join('; ') : undefined
  }

  toAppError(): AppError {
    const f = FAILURES[this.code]
    return new AppError(f.status, `oauth-${this.code.replace(/_/g, '-')}`, f.title, f.detail)
  }
}

function isNetworkError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return true
  const code = (err as { code?: unknown }).code
  if (
    typeof code === 'string' &&
    /^(ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|UND_ERR|EHOSTUNREACH|ENETUNREACH)/.test(code)
  )
    return true
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON') return true
  return isNetworkError(err.cause, depth + 1)
}

export const unknownProvider = (name: string) =>
  notFound('Sign-in provider', `No sign-in provider "${name}" is configured.`)

export const linkNotFound = (name: string) =>
  notFound('Linked sign-in method', `Your account is not linked to "${name}".`)

export const lastSignInMethod = () =>
  conflict(
    'last-sign-in-method',
    'Last sign-in method',
    'This is the only way to sign in to your account. Set a password first (use "Forgot password").',
  )

export const invalidHandoff = () =>
  new AppError(
    400,
    'invalid-handoff',
    'Sign-in handoff not valid',
    'This sign-in has expired, was already completed or belongs to another browser. Sign in again.',
  )
