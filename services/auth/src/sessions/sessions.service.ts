import { type Db, newId, transaction } from '@parley/platform'

import type { AuthContext } from '../context'
import { invalidRefreshToken } from '../errors'
import { signAccessToken } from '../tokens/access-tokens'
import { isOpaqueToken, newOpaqueToken, openWith, sealFor, tokenHash } from '../tokens/opaque-tokens'
import type { Revocation } from './revocation-publisher'
import {
  findTokenById,
  insertFamily,
  insertRefreshToken,
  insertRevokedSessions,
  liveRevokedSession,
  liveRevokedSessions,
  lockTokenByHash,
  markRotated,
  revokeFamilies,
  touchFamily,
} from './sessions.repository'

/** SPEC section 3: the immediate parent of the newest token answers the same pair for 10 s. */
export const REFRESH_GRACE_MS = 10_000

export interface TokenPair {
  access: string
  refresh: string
}

interface SessionOwner {
  id: string
  tenant_id: string
  person_id: string
}

export type { Revocation }

/** Starts a new session (refresh family) for a user who just proved who they are. */
export async function startSession(ctx: AuthContext, user: SessionOwner): Promise<TokenPair> {
  const now = new Date()
  const familyId = newId()
  const refresh = newOpaqueToken()
  const access = await signAccessToken(
    ctx.keys,
    { userId: user.id, tenantId: user.tenant_id, personId: user.person_id, sessionId: familyId },
    ctx.config.jwt.accessTtl,
    now.getTime(),
  )
  await transaction(ctx.db, async (tx) => {
    await insertFamily(tx.db, { id: familyId, userId: user.id, tenantId: user.tenant_id, now })
    await insertRefreshToken(tx.db, {
      id: newId(),
      familyId,
      hash: tokenHash(refresh),
      parentId: null,
      now,
      expiresAt: new Date(now.getTime() + ctx.config.jwt.refreshTtl * 1000),
    })
  })
  return { access, refresh }
}

type RefreshOutcome =
  { kind: 'pair'; pair: TokenPair } | { kind: 'invalid' } | { kind: 'reuse'; revocations: Revocation[] }

/**
 * Rotates a refresh token. A token presented twice revokes its whole family (reuse detection),
 * except the immediate parent of the family's newest token within {@link REFRESH_GRACE_MS} of
 * its rotation, which answers the very pair it was rotated into (two tabs refreshing at once).
 */
export async function refreshSession(ctx: AuthContext, refresh: string): Promise<TokenPair> {
  if (!isOpaqueToken(refresh)) throw invalidRefreshToken()
  const outcome = await transaction(ctx.db, async (tx): Promise<RefreshOutcome> => {
    const now = new Date()
    const token = await lockTokenByHash(tx.db, tokenHash(refresh))
    if (!token || token.family_revoked_at) return { kind: 'invalid' }
    if (token.used_at) {
      const sinceRotation = now.getTime() - new Date(token.used_at).getTime()
      if (token.grace_box && token.replaced_by && sinceRotation <= REFRESH_GRACE_MS) {
        const newest = await findTokenById(tx.db, token.replaced_by)
        const sealed = newest && !newest.used_at ? openWith(refresh, token.grace_box) : undefined
        if (sealed) return { kind: 'pair', pair: JSON.parse(sealed) as TokenPair }
      }
      const revoked = await revokeFamilies(tx.db, { familyId: token.family_id }, 'refresh-token-reuse', now)
      return { kind: 'reuse', revocations: await persistRevocations(ctx, tx.db, revoked) }
    }
    if (new Date(token.expires_at).getTime() <= now.getTime()) return { kind: 'invalid' }

    const childId = newId()
    const pair: TokenPair = {
      refresh: newOpaqueToken(),
      access: await signAccessToken(
        ctx.keys,
        {
          userId: token.user_id,
          tenantId: token.tenant_id,
          personId: token.person_id,
          sessionId: token.family_id,
        },
        ctx.config.jwt.accessTtl,
        now.getTime(),
      ),
    }
    await insertRefreshToken(tx.db, {
      id: childId,
      familyId: token.family_id,
      hash: tokenHash(pair.refresh),
      parentId: token.id,
      now,
      expiresAt: new Date(now.getTime() + ctx.config.jwt.refreshTtl * 1000),
    })
    await markRotated(tx.db, {
      id: token.id,
      parentId: token.parent_id,
      childId,
      box: sealFor(refresh, JSON.stringify(pair)),
      now,
    })
    await touchFamily(tx.db, token.family_id, now)
    return { kind: 'pair', pair }
  })
  if (outcome.kind === 'pair') return outcome.pair
  if (outcome.kind === 'reuse') {
    await applyRevocations(ctx, outcome.revocations)
    ctx.log.warn(
      { sessionId: outcome.revocations[0]?.sessionId },
      'refresh token reused; session family revoked',
    )
  }
  throw invalidRefreshToken()
}

/**
 * Ends the session the refresh token belongs to: its family is revoked and its access tokens
 * deny-listed on every node. Idempotent: a logout retried after a 503 (deny-list unreachable)
 * publishes the persisted revocation again.
 */
export async function endSession(ctx: AuthContext, refresh: string): Promise<void> {
  if (!isOpaqueToken(refresh)) throw invalidRefreshToken()
  const familyId = await transaction(ctx.db, async (tx) => {
    const token = await lockTokenByHash(tx.db, tokenHash(refresh))
    if (!token) return undefined
    const revoked = await revokeFamilies(tx.db, { familyId: token.family_id }, 'logout', new Date())
    await persistRevocations(ctx, tx.db, revoked)
    return token.family_id
  })
  if (!familyId) throw invalidRefreshToken()
  const live = await liveRevokedSession(ctx.db, familyId, new Date())
  if (live) await ctx.revocations.apply([{ sessionId: familyId, until: new Date(live.revoked_until) }])
}

/**
 * Revokes a user's families inside the caller's transaction (all of them, or all but the
 * current one) and persists their deny-list entries; apply the result after the commit.
 */
export async function revokeUserSessions(
  ctx: AuthContext,
  db: Db,
  userId: string,
  reason: string,
  exceptFamilyId?: string,
): Promise<Revocation[]> {
  const revoked = await revokeFamilies(db, { userId, exceptFamilyId }, reason, new Date())
  return persistRevocations(ctx, db, revoked)
}

async function persistRevocations(
  ctx: AuthContext,
  db: Db,
  families: Array<{ id: string; last_issued_at: Date }>,
) {
  const now = Date.now()
  // @NOTE +1 s covers exp being rounded to whole seconds; a family whose tokens have all expired needs no entry.
  const entries = families
    .map((f) => ({
      sessionId: f.id,
      until: new Date(new Date(f.last_issued_at).getTime() + ctx.config.jwt.accessTtl * 1000 + 1000),
    }))
    .filter((e) => e.until.getTime() > now)
  await insertRevokedSessions(db, entries)
  return entries
}

/** Publishes committed revocations to every node; a failure is retried in the background, not thrown. */
export async function applyRevocations(ctx: AuthContext, revocations: Revocation[]) {
  await ctx.revocations.applyQuietly(revocations)
}

/** Loads the persisted deny-list at start, so a logout survives a restart. */
export async function loadRevocations(ctx: AuthContext) {
  const rows = await liveRevokedSessions(ctx.db, new Date())
  ctx.platform.revocations.load(
    rows.map((r) => ({ sessionId: r.session_id, until: new Date(r.revoked_until) })),
  )
  return rows.length
}
