import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/** A pending authorization request (auth.oauth_states). */
export interface OAuthStateRow {
  state_hash: string
  provider: string
  tenant_slug: string
  code_verifier: string
  nonce: string
  browser_hash: string
  return_to: string
  created_at: Date
  expires_at: Date
}

/** A user's link to a provider account (auth.oauth_links). */
export interface OAuthLinkRow {
  id: string
  tenant_id: string
  user_id: string
  provider: string
  subject: string
  email: string | null
  created_at: Date
  last_used_at: Date
}

export interface OAuthHandoffRow {
  handoff_hash: string
  user_id: string
  tenant_id: string
  browser_hash: string
  return_to: string
  expires_at: Date
}

export async function insertState(db: Db, row: Omit<OAuthStateRow, 'created_at'>) {
  await db.withSchema('auth').insertInto('oauth_states').values(row).execute()
}

/** Takes a state out (single use): whoever deletes the row owns it. */
export async function takeState(db: Db, stateHash: string): Promise<OAuthStateRow | undefined> {
  return (await db
    .withSchema('auth')
    .deleteFrom('oauth_states')
    .where('state_hash', '=', stateHash)
    .returningAll()
    .executeTakeFirst()) as OAuthStateRow | undefined
}

export async function deleteExpiredOAuthRows(db: Db, now: Date) {
  await sql`delete from auth.oauth_states where expires_at < ${now}`.execute(db)
  await sql`delete from auth.oauth_handoffs where expires_at < ${now}`.execute(db)
}

export async function findLinkBySubject(
  db: Db,
  tenantId: string,
  provider: string,
  subject: string,
): Promise<OAuthLinkRow | undefined> {
  return (await db
    .withSchema('auth')
    .selectFrom('oauth_links')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('provider', '=', provider)
    .where('subject', '=', subject)
    .executeTakeFirst()) as OAuthLinkRow | undefined
}

export async function insertLink(db: Db, row: Omit<OAuthLinkRow, 'created_at' | 'last_used_at'>) {
  await db.withSchema('auth').insertInto('oauth_links').values(row).execute()
}

export async function touchLink(db: Db, id: string, email: string | null, now: Date) {
  await db
    .withSchema('auth')
    .updateTable('oauth_links')
    .set({ email, last_used_at: now })
    .where('id', '=', id)
    .execute()
}

export async function listLinks(db: Db, tenantId: string, userId: string): Promise<OAuthLinkRow[]> {
  return (await db
    .withSchema('auth')
    .selectFrom('oauth_links')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('provider')
    .execute()) as OAuthLinkRow[]
}

export async function deleteLink(db: Db, tenantId: string, userId: string, provider: string) {
  const rows = await db
    .withSchema('auth')
    .deleteFrom('oauth_links')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .returning('id')
    .execute()
  return rows.length > 0
}

/** The user's password hash, row-locked so that concurrent link removals queue. */
export async function lockUserCredentials(db: Db, tenantId: string, userId: string) {
  const { rows } = await sql<{ password_hash: string | null }>`select password_hash from auth.users
    where tenant_id = ${tenantId} and id = ${userId} for update`.execute(db)
  return rows[0]
}

export async function insertHandoff(db: Db, row: OAuthHandoffRow) {
  await db.withSchema('auth').insertInto('oauth_handoffs').values(row).execute()
}

/** Takes a handoff out (single use). */
export async function takeHandoff(db: Db, handoffHash: string): Promise<OAuthHandoffRow | undefined> {
  return (await db
    .withSchema('auth')
    .deleteFrom('oauth_handoffs')
    .where('handoff_hash', '=', handoffHash)
    .returningAll()
    .executeTakeFirst()) as OAuthHandoffRow | undefined
}
