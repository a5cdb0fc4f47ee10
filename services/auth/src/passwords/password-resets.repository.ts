import type { Db } from '@parley/platform'
import { sql } from 'kysely'

export async function insertResetToken(
  db: Db,
  reset: { id: string; userId: string; hash: string; expiresAt: Date },
) {
  await db
    .withSchema('auth')
    .insertInto('password_resets')
    .values({ id: reset.id, user_id: reset.userId, token_hash: reset.hash, expires_at: reset.expiresAt })
    .execute()
}

/** The unspent, unexpired reset with this hash, with its user's email. */
export async function findLiveReset(db: Db, hash: string, now: Date) {
  const { rows } = await sql<{ id: string; user_id: string; tenant_id: string; email: string }>`
    select r.id, r.user_id, u.tenant_id, u.email
    from auth.password_resets r join auth.users u on u.id = r.user_id
    where r.token_hash = ${hash} and r.used_at is null and r.expires_at > ${now}`.execute(db)
  return rows[0]
}

/** Spends one reset token; false when it was spent (or expired) in the meantime. */
export async function spendReset(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .withSchema('auth')
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .execute()
  return rows.length === 1
}

/** Spends every outstanding reset token of a user (after a reset or a password change). */
export async function invalidateResetTokens(db: Db, userId: string) {
  await db
    .withSchema('auth')
    .updateTable('password_resets')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute()
}
