import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/** A refresh token joined with its family and user, as the refresh endpoint needs it. */
export interface PresentedToken {
  id: string
  family_id: string
  parent_id: string | null
  expires_at: Date
  used_at: Date | null
  replaced_by: string | null
  grace_box: string | null
  family_revoked_at: Date | null
  user_id: string
  tenant_id: string
  person_id: string
}

export async function insertFamily(
  db: Db,
  family: { id: string; userId: string; tenantId: string; now: Date },
) {
  await db
    .withSchema('auth')
    .insertInto('refresh_families')
    .values({
      id: family.id,
      user_id: family.userId,
      tenant_id: family.tenantId,
      created_at: family.now,
      last_issued_at: family.now,
    })
    .execute()
}

export async function insertRefreshToken(
  db: Db,
  token: { id: string; familyId: string; hash: string; parentId: string | null; now: Date; expiresAt: Date },
) {
  await db
    .withSchema('auth')
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      family_id: token.familyId,
      token_hash: token.hash,
      parent_id: token.parentId,
      created_at: token.now,
      expires_at: token.expiresAt,
    })
    .execute()
}

/** The token with this hash, locked for the rest of the transaction (two tabs racing queue here). */
export async function lockTokenByHash(db: Db, hash: string): Promise<PresentedToken | undefined> {
  const { rows } = await sql<PresentedToken>`
    select t.id, t.family_id, t.parent_id, t.expires_at, t.used_at, t.replaced_by, t.grace_box,
           f.revoked_at as family_revoked_at, f.user_id, f.tenant_id, u.person_id
    from auth.refresh_tokens t
    join auth.refresh_families f on f.id = t.family_id
    join auth.users u on u.id = f.user_id
    where t.token_hash = ${hash}
    for update of t`.execute(db)
  return rows[0]
}

export async function findTokenById(db: Db, id: string) {
  return db
    .withSchema('auth')
    .selectFrom('refresh_tokens')
    .select(['id', 'used_at'])
    .where('id', '=', id)
    .executeTakeFirst() as Promise<{ id: string; used_at: Date | null } | undefined>
}

/** Marks a token rotated, keeping the sealed new pair for the grace window; its own parent's box is dropped. */
export async function markRotated(
  db: Db,
  token: { id: string; parentId: string | null; childId: string; box: string; now: Date },
) {
  await db
    .withSchema('auth')
    .updateTable('refresh_tokens')
    .set({ used_at: token.now, replaced_by: token.childId, grace_box: token.box })
    .where('id', '=', token.id)
    .execute()
  if (token.parentId) {
    await db
      .withSchema('auth')
      .updateTable('refresh_tokens')
      .set({ grace_box: null })
      .where('id', '=', token.parentId)
      .execute()
  }
}

export async function touchFamily(db: Db, familyId: string, now: Date) {
  await db
    .withSchema('auth')
    .updateTable('refresh_families')
    .set({ last_issued_at: now })
    .where('id', '=', familyId)
    .execute()
}

/**
 * Revokes the user's live families (all, or all but one) or one family, and answers each
 * revoked family's id with the time its last access token expires.
 */
export async function revokeFamilies(
  db: Db,
  where: { familyId: string } | { userId: string; exceptFamilyId?: string },
  reason: string,
  now: Date,
): Promise<Array<{ id: string; last_issued_at: Date }>> {
  let q = db
    .withSchema('auth')
    .updateTable('refresh_families')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('revoked_at', 'is', null)
  if ('familyId' in where) q = q.where('id', '=', where.familyId)
  else {
    q = q.where('user_id', '=', where.userId)
    if (where.exceptFamilyId) q = q.where('id', '<>', where.exceptFamilyId)
  }
  const rows = (await q.returning(['id', 'last_issued_at']).execute()) as Array<{
    id: string
    last_issued_at: Date
  }>
  if (rows.length) {
    // @NOTE Sealed grace pairs of a dead family are useless; drop them.
    await db
      .withSchema('auth')
      .updateTable('refresh_tokens')
      .set({ grace_box: null })
      .where(
        'family_id',
        'in',
        rows.map((r) => r.id),
      )
      .where('grace_box', 'is not', null)
      .execute()
  }
  return rows
}

/** Persists deny-list entries (kept across restarts), keeping the later expiry on a repeat. */
export async function insertRevokedSessions(db: Db, entries: Array<{ sessionId: string; until: Date }>) {
  if (!entries.length) return
  await db
    .withSchema('auth')
    .insertInto('revoked_sessions')
    .values(entries.map((e) => ({ session_id: e.sessionId, revoked_until: e.until })))
    .onConflict((oc) =>
      oc.column('session_id').doUpdateSet({
        revoked_until: sql`greatest(revoked_sessions.revoked_until, excluded.revoked_until)`,
      }),
    )
    .execute()
}

/** Deny-list entries that still matter (their access tokens have not expired yet). */
export async function liveRevokedSessions(db: Db, now: Date) {
  return (await db
    .withSchema('auth')
    .selectFrom('revoked_sessions')
    .select(['session_id', 'revoked_until'])
    .where('revoked_until', '>', now)
    .execute()) as Array<{ session_id: string; revoked_until: Date }>
}

/** The live deny-list entry of one session, if any. */
export async function liveRevokedSession(
  db: Db,
  sessionId: string,
  now: Date,
): Promise<{ session_id: string; revoked_until: Date } | undefined> {
  return db
    .withSchema('auth')
    .selectFrom('revoked_sessions')
    .select(['session_id', 'revoked_until'])
    .where('session_id', '=', sessionId)
    .where('revoked_until', '>', now)
    .executeTakeFirst()
}

export async function deleteExpiredRevocations(db: Db, now: Date) {
  await db.withSchema('auth').deleteFrom('revoked_sessions').where('revoked_until', '<=', now).execute()
}
