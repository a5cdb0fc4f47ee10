import { ConfigError, loadConfig } from '@parley/platform'
import { describe, expect, it } from 'vitest'

import { usernameBase } from './oauth.service'

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('OAUTH_* configuration', () => {
  it('is empty without OAUTH_PROVIDERS (embedded mode stays zero-config)', () => {
    expect(loadConfig({}).oauth.providers).toEqual([])
  })

  it('reads Google, GitHub and a generic OIDC provider with their defaults', () => {
    const config = loadConfig({
      OAUTH_PROVIDERS: 'google, github,acme',
      OAUTH_GOOGLE_CLIENT_ID: 'g-id',
      OAUTH_GOOGLE_CLIENT_SECRET: 'g-secret',
      OAUTH_GITHUB_CLIENT_ID: 'gh-id',
      OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
      OAUTH_ACME_ISSUER: 'https://sso.acme.example/realms/staff/',
      OAUTH_ACME_CLIENT_ID: 'a-id',
      OAUTH_ACME_CLIENT_SECRET: 'a-secret',
      OAUTH_ACME_NAME: 'Acme SSO',
    })
    expect(config.oauth.providers).toEqual([
      {
        name: 'google',
        type: 'oidc',
        displayName: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'g-id',
        clientSecret: 'g-secret',
        scopes: ['openid', 'email', 'profile'],
      },
      {
        name: 'github',
        type: 'github',
        displayName: 'GitHub',
        clientId: 'gh-id',
        clientSecret: 'gh-secret',
        scopes: ['read:user', 'user:email'],
        authorizationUrl: 'https://github.com/login/oauth/authorize',
        tokenUrl: 'https://github.com/login/oauth/access_token',
        apiUrl: 'https://api.github.com',
      },
      {
        name: 'acme',
        type: 'oidc',
        displayName: 'Acme SSO',
        issuer: 'https://sso.acme.example/realms/staff',
        clientId: 'a-id',
        clientSecret: 'a-secret',
        scopes: ['openid', 'email', 'profile'],
      },
    ])
  })

  it('names every bad or missing variable', () => {
    const problems = problemsOf({
      PORT: 'nope',
      OAUTH_PROVIDERS: 'acme,Bad-Name,links,plain',
      OAUTH_ACME_ISSUER: 'http://sso.acme.example',
      OAUTH_ACME_CLIENT_ID: 'a-id',
      OAUTH_PLAIN_TYPE: 'saml',
    })
    expect(problems).toEqual([
      expect.stringMatching(/^PORT=/),
      expect.stringMatching(/^OAUTH_ACME_CLIENT_SECRET: required/),
      expect.stringMatching(/^OAUTH_ACME_ISSUER="http:\/\/sso.acme.example": must be an https:\/\/ URL/),
      expect.stringMatching(/"bad-name" must be lowercase letters and digits/),
      expect.stringMatching(/"links" is reserved/),
      expect.stringMatching(/^OAUTH_PLAIN_TYPE="saml": must be oidc or github/),
    ])
    expect(problems.join('\n')).not.toContain('a-id')
  })

  it('accepts plain http only on loopback', () => {
    const config = loadConfig({
      OAUTH_PROVIDERS: 'local',
      OAUTH_LOCAL_ISSUER: 'http://127.0.0.1:9000',
      OAUTH_LOCAL_CLIENT_ID: 'id',
      OAUTH_LOCAL_CLIENT_SECRET: 'secret',
    })
    expect(config.oauth.providers[0]).toMatchObject({ issuer: 'http://127.0.0.1:9000', displayName: 'Local' })
  })
})

describe(usernameBase.name, () => {
  it('derives a username from the handle or the email, keeping only allowed characters', () => {
    expect(usernameBase({ username: 'octo-cat' })).toBe('octo-cat')
    expect(usernameBase({ email: 'grace.hopper+sso@example.com' })).toBe('grace.hopper+sso')
    expect(usernameBase({ username: 'Zoë Ångström!' })).toBe('ZoeAngstrom')
    expect(usernameBase({ username: '!!!' })).toBe('user')
  })
})
