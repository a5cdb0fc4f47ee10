import type { GitHubProviderConfig, OAuthProviderConfig } from '@parley/platform'
import * as oidc from 'openid-client'

import { fetchGitHubIdentity } from './github'
import { OAuthFailure } from './oauth.errors'

/** Who the provider says signed in. */
export interface ProviderIdentity {
  /** The provider's stable account id (`sub`, or GitHub's numeric user id). */
  subject: string
  email?: string
  /** Only true when the provider states that it verified the email. */
  emailVerified: boolean
  givenName?: string
  familyName?: string
  /** A preferred handle (GitHub login, `preferred_username`), used to derive a username. */
  username?: string
}

/** What the authorization request needs to remember until the callback. */
export interface AuthorizationChecks {
  state: string
  codeVerifier: string
  /** Empty for GitHub (no ID token, so no nonce). */
  nonce: string
}

/** Seconds before a request to a provider gives up (openid-client's timeout is in seconds). */
const PROVIDER_TIMEOUT_S = 10
// @NOTE Metadata rarely changes; re-discover now and then so a provider's move is picked up.
const DISCOVERY_TTL_MS = 60 * 60_000

function isLoopbackHttp(url: string) {
  return new URL(url).protocol === 'http:'
}

/** One configured provider: builds the authorization URL and finishes the code exchange. */
export class ProviderClient {
  private discovered?: { at: number; configuration: Promise<oidc.Configuration> }

  constructor(
    readonly config: OAuthProviderConfig,
    readonly redirectUri: string,
  ) {}

  get name() {
    return this.config.name
  }

  /** The provider's metadata (discovered for OIDC; fixed for GitHub). Throws provider_unavailable. */
  async configuration(): Promise<oidc.Configuration> {
    if (!this.discovered || Date.now() - this.discovered.at > DISCOVERY_TTL_MS) {
      const configuration = this.build()
      this.discovered = { at: Date.now(), configuration }
      configuration.catch(() => {
        if (this.discovered?.configuration === configuration) this.discovered = undefined
      })
    }
    try {
      return await this.discovered.configuration
    } catch (err) {
      throw new OAuthFailure('provider_unavailable', { cause: err })
    }
  }

  private async build(): Promise<oidc.Configuration> {
    const c = this.config
    if (c.type === 'github') return githubConfiguration(c)
    const insecure = isLoopbackHttp(c.issuer)
    let configuration = await oidc.discovery(
      new URL(c.issuer),
      c.clientId,
      { client_secret: c.clientSecret },
      oidc.ClientSecretPost(c.clientSecret),
      { timeout: PROVIDER_TIMEOUT_S, execute: insecure ? [oidc.allowInsecureRequests] : [] },
    )
    const methods = configuration.serverMetadata().token_endpoint_auth_methods_supported
    // @NOTE The OIDC default is client_secret_basic; use post only where the provider offers it.
    if (methods && !methods.includes('client_secret_post')) {
      configuration = new oidc.Configuration(
        configuration.serverMetadata(),
        c.clientId,
        { client_secret: c.clientSecret },
        oidc.ClientSecretBasic(c.clientSecret),
      )
      configuration.timeout = PROVIDER_TIMEOUT_S
      if (insecure) oidc.allowInsecureRequests(configuration)
    }
    return configuration
  }

  /** A fresh PKCE verifier and nonce, and the URL to send the browser to. */
  async authorizationUrl(state: string): Promise<{ url: URL; checks: AuthorizationChecks }> {
    const configuration = await this.configuration()
    const codeVerifier = oidc.randomPKCECodeVerifier()
    const nonce = this.config.type === 'oidc' ? oidc.randomNonce() : ''
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.scopes.join(' '),
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(nonce ? { nonce } : {}),
    })
    return { url, checks: { state, codeVerifier, nonce } }
  }

  /**
   * Exchanges the code from the callback URL (state, PKCE and, for OIDC, the ID token and its
   * nonce are checked by openid-client) and reads who signed in. Throws {@link OAuthFailure}.
   */
  async finish(callbackUrl: URL, checks: AuthorizationChecks): Promise<ProviderIdentity> {
    const configuration = await this.configuration()
    try {
      if (this.config.type === 'github') {
        const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          idTokenExpected: false,
        })
        return await fetchGitHubIdentity(this.config, tokens.access_token, PROVIDER_TIMEOUT_S * 1000)
      }
      return await this.finishOidc(configuration, callbackUrl, checks)
    } catch (err) {
      throw OAuthFailure.from(err)
    }
  }

  private async finishOidc(
    configuration: oidc.Configuration,
    callbackUrl: URL,
    checks: AuthorizationChecks,
  ): Promise<ProviderIdentity> {
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    })
    const idToken = tokens.claims()
    if (!idToken) throw new OAuthFailure('invalid_response')
    let claims: Record<string, unknown> = idToken
    // @NOTE Some providers (and oidc-provider by default) put email and profile only in userinfo.
    if (idToken.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub)
      claims = { ...info, ...idToken, email: info.email, email_verified: info.email_verified }
    }
    return oidcIdentity(claims)
  }
}

function githubConfiguration(c: GitHubProviderConfig): oidc.Configuration {
  const configuration = new oidc.Configuration(
    {
      // @NOTE GitHub has no issuer; its authorization server's origin stands in (checked against `iss` if sent).
      issuer: new URL(c.authorizationUrl).origin,
      authorization_endpoint: c.authorizationUrl,
      token_endpoint: c.tokenUrl,
    },
    c.clientId,
    { client_secret: c.clientSecret },
    oidc.ClientSecretPost(c.clientSecret),
  )
  configuration.timeout = PROVIDER_TIMEOUT_S
  if (isLoopbackHttp(c.tokenUrl)) oidc.allowInsecureRequests(configuration)
  return configuration
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined)

/** The identity in OpenID Connect claims; `email_verified` must be exactly true (or "true"). */
export function oidcIdentity(claims: Record<string, unknown>): ProviderIdentity {
  const subject = text(claims.sub)
  if (!subject) throw new OAuthFailure('invalid_response')
  return {
    subject,
    email: text(claims.email),
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    givenName: text(claims.given_name),
    familyName: text(claims.family_name),
    username: text(claims.preferred_username) ?? text(claims.nickname),
  }
}
