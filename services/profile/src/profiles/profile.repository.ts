import type { Db } from '@parley/platform'
import { sql } from 'kysely'

import type { Owner } from '../shared/owner'

export type Gender = 'female' | 'male' | 'non_binary' | 'other' | 'prefer_not_to_say'

export interface Profile {
  userId: string
  tenantId: string
  personId: string
  email: string | null
  username: string | null
  firstName: string | null
  lastName: string | null
  displayName: string | null
  primaryPhone: string | null
  alternatePhone: string | null
  gender: Gender | null
  dateOfBirth: string | null
  statusMessage: string | null
  avatarUrl: string | null
  createdAt: Date
  updatedAt: Date
}

/** A snapshot of the account, as `user.registered` / `user.updated` carry it. */
export interface AccountSnapshot {
  userId: string
  tenantId: string
  personId: string
  email: string | null
  username: string | null
  firstName: string | null
  lastName: string | null
  avatarUrl: string | null
  occurredAt: string
}

export type ProfileChanges = Partial<
  Pick<
    Profile,
    | 'firstName'
    | 'lastName'
    | 'displayName'
    | 'primaryPhone'
    | 'alternatePhone'
    | 'gender'
    | 'dateOfBirth'
    | 'statusMessage'
  >
>

const COLUMNS: Record<keyof ProfileChanges, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  displayName: 'display_name',
  primaryPhone: 'primary_phone',
  alternatePhone: 'alternate_phone',
  gender: 'gender',
  dateOfBirth: 'date_of_birth',
  statusMessage: 'status_message',
}

// @NOTE date_of_birth as text: `pg` turns a date into a local-midnight Date, which shifts it across time zones.
const SELECT = sql`user_id, tenant_id, person_id, email, username, first_name, last_name, display_name,
  primary_phone, alternate_phone, gender, date_of_birth::text as date_of_birth, status_message, avatar_url,
  created_at, updated_at`

interface ProfileRow {
  user_id: string
  tenant_id: string
  person_id: string
  email: string | null
  username: string | null
  first_name: string | null
  last_name: string | null
  display_name: string | null
  primary_phone: string | null
  alternate_phone: string | null
  gender: Gender | null
  date_of_birth: string | null
  status_message: string | null
  avatar_url: string | null
  created_at: Date
  updated_at: Date
}

function toProfile(row: ProfileRow): Profile {
  return {
    userId: row.user_id,
    tenantId: row.tenant_id,
    personId: row.person_id,
    email: row.email,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    displayName: row.display_name,
    primaryPhone: row.primary_phone,
    alternatePhone: row.alternate_phone,
    gender: row.gender,
    dateOfBirth: row.date_of_birth,
    statusMessage: row.status_message,
    avatarUrl: row.avatar_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function findProfile(db: Db, owner: Owner): Promise<Profile | undefined> {
  const { rows } = await sql<ProfileRow>`select ${SELECT} from profile.profiles
    where user_id = ${owner.userId} and tenant_id = ${owner.tenantId}`.execute(db)
  return rows[0] ? toProfile(rows[0]) : undefined
}

/** Creates the profile from the token on first access; a no-op when it exists (or an event made it). */
export async function insertProfileIfMissing(db: Db, owner: Owner): Promise<void> {
  await sql`insert into profile.profiles (user_id, tenant_id, person_id)
    values (${owner.userId}, ${owner.tenantId}, ${owner.personId})
    on conflict (user_id) do nothing`.execute(db)
}

/**
 * Locks the owner's profile row for the rest of the transaction, creating it first if needed.
 * Every address and card write takes this lock, so one user's concurrent writes run one after
 * another (the card limit and the single default hold), while other users are not blocked.
 */
export async function lockProfile(db: Db, owner: Owner): Promise<boolean> {
  await insertProfileIfMissing(db, owner)
  const { rows } = await sql`select user_id from profile.profiles
    where user_id = ${owner.userId} and tenant_id = ${owner.tenantId} for update`.execute(db)
  return rows.length === 1
}

export async function updateProfile(
  db: Db,
  owner: Owner,
  changes: ProfileChanges,
): Promise<Profile | undefined> {
  const sets = (Object.keys(changes) as Array<keyof ProfileChanges>).map(
    (key) => sql`${sql.ref(COLUMNS[key])} = ${changes[key] ?? null}`,
  )
  // A name the user sets (even to null) is theirs from then on; account events stop filling it.
  if ('firstName' in changes) sets.push(sql`first_name_is_custom = true`)
  if ('lastName' in changes) sets.push(sql`last_name_is_custom = true`)
  sets.push(sql`updated_at = now()`)
  const { rows } = await sql<ProfileRow>`update profile.profiles set ${sql.join(sets)}
    where user_id = ${owner.userId} and tenant_id = ${owner.tenantId}
    returning ${SELECT}`.execute(db)
  return rows[0] ? toProfile(rows[0]) : undefined
}

/**
 * Creates or refreshes the profile from an account snapshot. Names fill only fields the user
 * has not set; a snapshot older than the last one applied is ignored; `updated_at` moves only
 * when something visible changed, so applying the same snapshot twice changes nothing.
 */
export async function upsertFromAccount(db: Db, a: AccountSnapshot): Promise<void> {
  await sql`insert into profile.profiles
      (user_id, tenant_id, person_id, email, username, first_name, last_name, avatar_url, account_synced_at)
    values (${a.userId}, ${a.tenantId}, ${a.personId}, ${a.email}, ${a.username}, ${a.firstName}, ${a.lastName},
      ${a.avatarUrl}, ${a.occurredAt})
    on conflict (user_id) do update set
      person_id = excluded.person_id,
      email = excluded.email,
      username = excluded.username,
      avatar_url = excluded.avatar_url,
      first_name = case when profiles.first_name_is_custom then profiles.first_name else excluded.first_name end,
      last_name = case when profiles.last_name_is_custom then profiles.last_name else excluded.last_name end,
      account_synced_at = excluded.account_synced_at,
      updated_at = case when
          (profiles.person_id, profiles.email, profiles.username, profiles.avatar_url) is distinct from
            (excluded.person_id, excluded.email, excluded.username, excluded.avatar_url)
          or (not profiles.first_name_is_custom and profiles.first_name is distinct from excluded.first_name)
          or (not profiles.last_name_is_custom and profiles.last_name is distinct from excluded.last_name)
        then now() else profiles.updated_at end
    where profiles.tenant_id = excluded.tenant_id
      and (profiles.account_synced_at is null or profiles.account_synced_at <= excluded.account_synced_at)`.execute(
    db,
  )
}
