import { ACCESS_AUDIENCE, newId, TOKEN_ISSUER } from '@parley/platform'
import { SignJWT } from 'jose'

import { type KeyRing, SIGNING_ALG } from '../keys/signing-keys'

/** What an access token says about its holder (SPEC section 3 claims). */
export interface AccessClaims {
  userId: string
  tenantId: string
  personId: string
  sessionId: string
}

/** Signs a short-lived EdDSA access token with the ring's current key (`kid` in the header). */
export async function signAccessToken(
  keys: KeyRing,
  claims: AccessClaims,
  ttlSeconds: number,
  now = Date.now(),
) {
  const key = keys.current()
  const iat = Math.floor(now / 1000)
  return new SignJWT({ tid: claims.tenantId, pid: claims.personId, sid: claims.sessionId })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(ACCESS_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(newId())
    .sign(key.privateKey)
}
