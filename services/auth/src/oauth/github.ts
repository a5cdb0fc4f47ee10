import type { GitHubProviderConfig } from '@parley/platform'

import { OAuthFailure } from './oauth.errors'
import type { ProviderIdentity } from './provider-clients'

/** The fields of GitHub's `GET /user` that sign-in uses. */
interface GitHubUser {
  id?: unknown
  login?: unknown
  name?: unknown
  email?: unknown
}

/** One entry of GitHub's `GET /user/emails` (scope `user:email`). */
interface GitHubEmail {
  email?: unknown
  primary?: unknown
  verified?: unknown
}

/**
 * Who signed in, from GitHub's `/user` and `/user/emails` answers. Only an email that GitHub marks
 * `verified: true` counts as verified: the primary one if it is verified, else the first verified
 * one. The public profile email of `/user` is never trusted as verified.
 */
export function githubIdentity(user: unknown, emails: unknown): ProviderIdentity {
  const u = (user ?? {}) as GitHubUser
  const id =
    typeof u.id === 'number' || (typeof u.id === 'string' && /^\d+$/.test(u.id)) ? String(u.id) : undefined
  if (!id) throw new OAuthFailure('invalid_response')
  const list = (Array.isArray(emails) ? emails : []) as GitHubEmail[]
  const valid = list.filter(
    (e): e is GitHubEmail & { email: string } => typeof e?.email === 'string' && e.email.includes('@'),
  )
  const verified = valid.filter((e) => e.verified === true)
  const chosen = verified.find((e) => e.primary === true) ?? verified[0]
  const unverified = valid.find((e) => e.primary === true) ?? valid[0]
  const email =
    chosen?.email ?? unverified?.email ?? (typeof u.email === 'string' && u.email ? u.email : undefined)
  const [givenName, ...rest] = typeof u.name === 'string' ? u.name.trim().split(/\s+/) : []
  return {
    subject: id,
    email,
    emailVerified: chosen !== undefined,
    givenName: givenName || undefined,
    familyName: rest.join(' ') || undefined,
    username: typeof u.login === 'string' ? u.login : undefined,
  }
}

/** Reads `/user` and `/user/emails` with the access token (GitHub's REST API, or a configured base). */
export async function fetchGitHubIdentity(
  config: GitHubProviderConfig,
  accessToken: string,
  timeoutMs: number,
): Promise<ProviderIdentity> {
  const get = async (path: string) => {
    const res = await fetch(`${config.apiUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${accessToken}`,
        'user-agent': 'Parley',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (res.status >= 500) throw new OAuthFailure('provider_unavailable')
    if (!res.ok) throw new OAuthFailure('invalid_response')
    return await res.json()
  }
  const [user, emails] = await Promise.all([get('/user'), get('/user/emails')])
  return githubIdentity(user, emails)
}
