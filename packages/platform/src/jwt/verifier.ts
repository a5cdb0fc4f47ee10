import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose'

import { unauthorized } from '../errors'
import type { SessionRevocations } from './revocations'

/** Who is calling, as the access token says. */
export interface Principal {
  userId: string
  tenantId: string
  personId: string
  sessionId: string
  tokenId: string
  expiresAt: number
}

export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA']
export const TOKEN_ISSUER = 'parley'
export const ACCESS_AUDIENCE = 'parley:access'

/**
 * Verifies access tokens locally against the auth service's JWKS (SPEC section 1): the key set
 * is cached and refreshed when a token names an unknown `kid`.
 */
export class TokenVerifier {
  private getKey?: JWTVerifyGetKey
  private localSource?: () => Promise<JSONWebKeySet>
  private localSet?: JWTVerifyGetKey
  private lastRefresh = 0

  constructor(
    private readonly revocations: SessionRevocations,
    jwksUrl?: string,
  ) {
    if (jwksUrl)
      this.getKey = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 5_000, cacheMaxAge: 600_000 })
  }

  /** Use keys from this process (the auth service runs here) instead of fetching the JWKS. */
  useLocalKeys(source: () => Promise<JSONWebKeySet>) {
    this.localSource = source
    this.localSet = undefined
    this.getKey = async (header, token) => {
      if (!this.localSet) this.localSet = createLocalJWKSet(await source())
      try {
        return await this.localSet(header, token)
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - this.lastRefresh < 1_000) throw err
        this.lastRefresh = Date.now()
        this.localSet = createLocalJWKSet(await source())
        return this.localSet(header, token)
      }
    }
  }

  /** Returns the principal or throws a 401 AppError; never anything else. */
  async verify(token: string): Promise<Principal> {
    if (!this.getKey)
      throw new Error('TokenVerifier has no key source (set AUTH_JWKS_URL or run the auth service here)')
    let payload
    try {
      ;({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: TOKEN_ISSUER,
        audience: ACCESS_AUDIENCE,
        requiredClaims: ['sub', 'tid', 'pid', 'sid', 'jti', 'exp', 'iat'],
      }))
    } catch {
      throw unauthorized('The access token is invalid or expired.')
    }
    const { sub, tid, pid, sid, jti, exp } = payload as Record<string, unknown>
    if (
      typeof sub !== 'string' ||
      typeof tid !== 'string' ||
      typeof pid !== 'string' ||
      typeof sid !== 'string' ||
      typeof jti !== 'string' ||
      typeof exp !== 'number'
    ) {
      throw unauthorized('The access token is invalid or expired.')
    }
    if (this.revocations.isRevoked(sid)) throw unauthorized('This session has been signed out.')
    return { userId: sub, tenantId: tid, personId: pid, sessionId: sid, tokenId: jti, expiresAt: exp * 1000 }
  }
}

/** Extracts the token of an `Authorization: Bearer <jwt>` header, or undefined when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim())
  return match?.[1]
}
