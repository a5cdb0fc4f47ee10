import { describe, expect, it } from 'vitest'

import { githubIdentity } from './github'
import { OAuthFailure } from './oauth.errors'

describe(githubIdentity.name, () => {
  const user = { id: 583231, login: 'octocat', name: 'Mona Lisa Octocat', email: 'public@example.com' }

  it('takes the verified primary email as verified', () => {
    const identity = githubIdentity(user, [
      { email: 'other@example.com', primary: false, verified: true },
      { email: 'mona@example.com', primary: true, verified: true },
    ])
    expect(identity).toEqual({
      subject: '583231',
      email: 'mona@example.com',
      emailVerified: true,
      givenName: 'Mona',
      familyName: 'Lisa Octocat',
      username: 'octocat',
    })
  })

  it('prefers a verified secondary email over an unverified primary', () => {
    const identity = githubIdentity(user, [
      { email: 'mona@example.com', primary: true, verified: false },
      { email: 'work@example.com', primary: false, verified: true },
    ])
    expect(identity).toMatchObject({ email: 'work@example.com', emailVerified: true })
  })

  it('reports an unverified primary email as unverified', () => {
    const identity = githubIdentity(user, [{ email: 'mona@example.com', primary: true, verified: false }])
    expect(identity).toMatchObject({ email: 'mona@example.com', emailVerified: false })
  })

  it('never trusts the public profile email or a "verified" that is not exactly true', () => {
    expect(githubIdentity(user, [])).toMatchObject({ email: 'public@example.com', emailVerified: false })
    expect(githubIdentity(user, [{ email: 'x@example.com', primary: true, verified: 'true' }])).toMatchObject(
      {
        emailVerified: false,
      },
    )
    expect(githubIdentity({ ...user, email: null }, undefined)).toMatchObject({
      email: undefined,
      emailVerified: false,
    })
  })

  it('refuses an answer without a numeric user id', () => {
    expect(() => githubIdentity({ login: 'octocat' }, [])).toThrow(OAuthFailure)
    expect(() => githubIdentity({ id: 'abc' }, [])).toThrow(OAuthFailure)
  })
})
