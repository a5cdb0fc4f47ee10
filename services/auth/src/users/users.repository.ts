import type { Db } from '@parley/platform'
import { sql } from 'kysely'

/** A row of auth.users. */
export interface UserRow {
  id: string
  tenant_id: string
  person_id: string
  email: string
  username: string
  /** null for a user who signed up through a sign-in provider and never set a password. */
  password_hash: string | null
  first_name: string
  last_name: string
  avatar_key: string | null
  date_joined: Date
  updated_at: Date
}

export interface TenantRow {
  id: string
  slug: string
  name: string
  owner_id: string | null
  created_at: Date
}

const users = (db: Db) => db.withSchema('auth').selectFrom('users').selectAll()

export async function findTenantBySlug(db: Db, slug: string): Promise<TenantRow | undefined> {
  return (await db
    .withSchema('auth')
    .selectFrom('tenants')
    .selectAll()
    .where('slug', '=', slug)
    .executeTakeFirst()) as TenantRow | undefined
}

export async function insertTenant(
  db: Db,
  tenant: { id: string; slug: string; name: string; ownerId?: string },
) {
  return (await db
    .withSchema('auth')
    .insertInto('tenants')
    .values({ id: tenant.id, slug: tenant.slug, name: tenant.name, owner_id: tenant.ownerId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow()) as TenantRow
}

export async function setTenantOwner(db: Db, tenantId: string, ownerId: string) {
  await db
    .withSchema('auth')
    .updateTable('tenants')
    .set({ owner_id: ownerId })
    .where('id', '=', tenantId)
    .execute()
}

export async function findUserById(db: Db, tenantId: string, userId: string): Promise<UserRow | undefined> {
  return (await users(db).where('tenant_id', '=', tenantId).where('id', '=', userId).executeTakeFirst()) as
    UserRow | undefined
}

export async function findUserByEmail(db: Db, tenantId: string, email: string): Promise<UserRow | undefined> {
  return (await users(db)
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst()) as UserRow | undefined
}

/** Which of email / username / person_id are already taken in the tenant. */
export async function takenFields(
  db: Db,
  tenantId: string,
  fields: { email: string; username: string; personId?: string },
) {
  const { rows } = await sql<{ email: boolean; username: boolean; person: boolean }>`select
      exists(select 1 from auth.users where tenant_id = ${tenantId} and lower(email) = ${fields.email.toLowerCase()}) as email,
      exists(select 1 from auth.users where tenant_id = ${tenantId} and lower(username) = ${fields.username.toLowerCase()}) as username,
      exists(select 1 from auth.users where tenant_id = ${tenantId} and person_id = ${fields.personId ?? ''}) as person`.execute(
    db,
  )
  return rows[0]
}

export async function insertUser(
  db: Db,
  user: Omit<UserRow, 'date_joined' | 'updated_at' | 'avatar_key'>,
): Promise<UserRow> {
  return (await db
    .withSchema('auth')
    .insertInto('users')
    .values(user)
    .returningAll()
    .executeTakeFirstOrThrow()) as UserRow
}

export async function updateUser(
  db: Db,
  tenantId: string,
  userId: string,
  changes: Partial<Pick<UserRow, 'password_hash' | 'avatar_key' | 'first_name' | 'last_name'>>,
): Promise<UserRow | undefined> {
  return (await db
    .withSchema('auth')
    .updateTable('users')
    .set({ ...changes, updated_at: sql`now()` })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst()) as UserRow | undefined
}

/** The user's avatar key, row-locked until the transaction ends (uploads racing queue here). */
export async function lockAvatarKey(db: Db, tenantId: string, userId: string) {
  const { rows } = await sql<{ avatar_key: string | null }>`select avatar_key from auth.users
    where tenant_id = ${tenantId} and id = ${userId} for update`.execute(db)
  return rows[0]
}
