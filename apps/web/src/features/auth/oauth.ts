/** Sign-in providers (OAuth2 / OpenID Connect): the API calls and the messages for their error codes. */
import { api } from '../../app/services'
import type { LoginResponse, Page } from '../../lib/types'

export interface OAuthProvider {
  name: string
  display_name: string
  type: 'oidc' | 'github'
  start_url: string
}

export interface LinkedMethod {
  provider: string
  display_name: string
  email: string | null
  created_at: string
  last_used_at: string
}

export const oauth = {
  providers: async () =>
    (await api.get<Page<OAuthProvider>>('/api/auth/oauth/providers/', { anonymous: true })).results,
  // @NOTE The HttpOnly cookie set by the callback goes with this same-origin request; the handoff alone is useless.
  exchange: (handoff: string) =>
    api.post<LoginResponse & { return_to: string }>(
      '/api/auth/oauth/exchange/',
      { handoff },
      { anonymous: true },
    ),
  links: async () => (await api.get<Page<LinkedMethod>>('/api/auth/oauth/links/')).results,
  unlink: (provider: string) => api.delete<void>(`/api/auth/oauth/links/${encodeURIComponent(provider)}/`),
}

/** Where the browser goes to sign in with a provider; the workspace is chosen here, before the redirect. */
export function providerStartUrl(provider: OAuthProvider, tenant?: string, returnTo?: string): string {
  const query = new URLSearchParams()
  if (tenant) query.set('tenant', tenant)
  if (returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//')) query.set('return_to', returnTo)
  const qs = query.toString()
  return qs ? `${provider.start_url}?${qs}` : provider.start_url
}

/** What the sign-in page says for `?error=` after a provider sign-in did not complete. */
export const OAUTH_ERRORS: Record<string, string> = {
  invalid_state: 'That sign-in link was invalid, already used or expired. Please try again.',
  access_denied: 'Sign-in was cancelled at the provider.',
  code_rejected: 'The provider rejected the sign-in. Please try again.',
  invalid_response: "The provider's answer could not be verified, so you were not signed in.",
  provider_unavailable: 'The sign-in provider cannot be reached right now. Try again shortly.',
  email_required: 'The provider did not share your email address, which Parley needs.',
  account_exists:
    'An account with this email already exists, and the provider has not verified that email. Sign in with your password.',
  signup_closed: 'No workspace has this name.',
}

export function oauthErrorMessage(code: string | null): string | null {
  if (!code) return null
  return OAUTH_ERRORS[code] ?? 'Signing in with the provider did not work. Please try again.'
}
