import { containsPattern, type Db } from '@parley/platform'
import { sql } from 'kysely'

import { SCHEMA } from '../db/schema'
import type { ColumnAlias } from '../shared/paging'

export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline'

/** A chat identity: auth's user projected here, plus the chat-only bio and status. */
export interface Identity {
  userId: string
  tenantId: string
  personId: string
  username: string | null
  email: string | null
  firstName: string
  lastName: string
  /** From the profile service (`profile.updated`); null until the person sets one. */
  displayName: string | null
  avatarUrl: string | null
  bio: string
  status: string
  /** Found by name or username in the people search of the tenant (always by person_id). */
  discoverable: boolean
  /** Chat's presence of the user, from its `user.presence_changed` events (offline until one arrives). */
  presence: { status: PresenceStatus; lastSeen: Date | null }
  createdAt: Date
  updatedAt: Date
}

type Q = Db
type Row = Record<string, unknown>

const COLUMNS = [
  'user_id',
  'tenant_id',
  'person_id',
  'username',
  'email',
  'first_name',
  'last_name',
  'display_name',
  'avatar_url',
  'bio',
  'status',
  'discoverable',
  'presence_status',
  'presence_last_seen',
  'created_at',
  'updated_at',
] as const

/** The identity columns of a joined table, aliased with a prefix (`o.username` as `o_username`). */
export function identityColumns(alias: string, prefix: string): ColumnAlias[] {
  return COLUMNS.map((c) => [`${alias}.${c}`, `${prefix}${c}`])
}

/** Reads an identity out of a row, optionally from prefixed columns of a join. */
export function identityFrom(row: Row, prefix = ''): Identity {
  const text = (c: (typeof COLUMNS)[number]) => row[`${prefix}${c}`] as string
  const maybe = (c: (typeof COLUMNS)[number]) => (row[`${prefix}${c}`] as string | null) ?? null
  return {
    userId: text('user_id'),
    tenantId: text('tenant_id'),
    personId: text('person_id'),
    username: maybe('username'),
    email: maybe('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    displayName: maybe('display_name'),
    avatarUrl: maybe('avatar_url'),
    bio: text('bio'),
    status: text('status'),
    discoverable: row[`${prefix}discoverable`] !== false,
    presence: {
      status: text('presence_status') as PresenceStatus,
      lastSeen: row[`${prefix}presence_last_seen`]
        ? new Date(row[`${prefix}presence_last_seen`] as Date)
        : null,
    },
    createdAt: new Date(row[`${prefix}created_at`] as Date),
    updatedAt: new Date(row[`${prefix}updated_at`] as Date),
  }
}

export async function findIdentityById(db: Q, userId: string): Promise<Identity | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('identities')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row ? identityFrom(row) : undefined
}

/** Person ids are unique per tenant only, so the tenant is part of every lookup. */
export async function findIdentityByPersonId(
  db: Q,
  tenantId: string,
  personId: string,
): Promise<Identity | undefined> {
  const row = await db
    .withSchema(SCHEMA)
    .selectFrom('identities')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('person_id', '=', personId)
    .executeTakeFirst()
  return row ? identityFrom(row) : undefined
}

/** Creates the bare identity of a first-time caller; a concurrent creator wins silently. */
export async function insertIdentityIfMissing(
  db: Q,
  fields: { userId: string; tenantId: string; personId: string },
) {
  await db
    .withSchema(SCHEMA)
    .insertInto('identities')
    .values({ user_id: fields.userId, tenant_id: fields.tenantId, person_id: fields.personId })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function updateIdentityChatFields(
  db: Q,
  userId: string,
  fields: { bio?: string; status?: string; discoverable?: boolean },
): Promise<Identity> {
  const row = await db
    .withSchema(SCHEMA)
    .updateTable('identities')
    .set({
      ...(fields.bio !== undefined ? { bio: fields.bio } : {}),
      ...(fields.status !== undefined ? { status: fields.status } : {}),
      ...(fields.discoverable !== undefined ? { discoverable: fields.discoverable } : {}),
      updated_at: new Date(),
    })
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow()
  return identityFrom(row)
}

export interface AuthUserSnapshot {
  userId: string
  tenantId: string
  personId: string
  email: string | null
  username: string | null
  firstName: string
  lastName: string
  avatarUrl: string | null
  /** When auth produced the snapshot; an older snapshot never overwrites a newer one. */
  occurredAt: Date
}

/** Upserts auth's view of a user, keeping the chat-only fields (bio, status). */
export async function upsertAuthSnapshot(db: Q, s: AuthUserSnapshot): Promise<void> {
  await db
    .withSchema(SCHEMA)
    .insertInto('identities')
    .values({
      user_id: s.userId,
      tenant_id: s.tenantId,
      person_id: s.personId,
      email: s.email,
      username: s.username,
      first_name: s.firstName,
      last_name: s.lastName,
      avatar_url: s.avatarUrl,
      synced_at: s.occurredAt,
    })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet((eb) => ({
          tenant_id: eb.ref('excluded.tenant_id'),
          person_id: eb.ref('excluded.person_id'),
          email: eb.ref('excluded.email'),
          username: eb.ref('excluded.username'),
          // @NOTE Once the profile spoke (profile.updated), the names are the person's own choice.
          first_name: sql`case when identities.profile_synced_at is null then excluded.first_name else identities.first_name end`,
          last_name: sql`case when identities.profile_synced_at is null then excluded.last_name else identities.last_name end`,
          avatar_url: eb.ref('excluded.avatar_url'),
          synced_at: eb.ref('excluded.synced_at'),
          updated_at: new Date(),
        }))
        // @NOTE Only a newer, different snapshot writes: a redelivered or stale event changes nothing.
        .where(
          sql<boolean>`(identities.synced_at is null or identities.synced_at <= excluded.synced_at)
            and (identities.tenant_id, identities.person_id, identities.email, identities.username,
                 identities.first_name, identities.last_name, identities.avatar_url)
            is distinct from (excluded.tenant_id, excluded.person_id, excluded.email, excluded.username,
                 excluded.first_name, excluded.last_name, excluded.avatar_url)`,
        ),
    )
    .execute()
}

export interface ProfileNames {
  userId: string
  tenantId: string
  personId: string
  firstName: string
  lastName: string
  displayName: string | null
  /** When the profile service produced them; older names never overwrite newer ones. */
  occurredAt: Date
}

/** Applies the names a person chose on their profile (creating the identity if it is not known yet). */
export async function upsertProfileNames(db: Q, n: ProfileNames): Promise<void> {
  await sql`insert into ${sql.id(SCHEMA)}.identities
      (user_id, tenant_id, person_id, first_name, last_name, display_name, profile_synced_at)
    values (${n.userId}, ${n.tenantId}, ${n.personId}, ${n.firstName}, ${n.lastName}, ${n.displayName}, ${n.occurredAt})
    on conflict (user_id) do update set
      first_name = excluded.first_name, last_name = excluded.last_name, display_name = excluded.display_name,
      profile_synced_at = excluded.profile_synced_at, updated_at = now()
    where identities.tenant_id = excluded.tenant_id
      and (identities.profile_synced_at is null or identities.profile_synced_at <= excluded.profile_synced_at)`.execute(
    db,
  )
}

export interface PresenceChange {
  userId: string
  tenantId: string
  status: PresenceStatus
  lastSeen: Date | null
  /** When chat published the change; an older change never overwrites a newer one. */
  occurredAt: Date
}

/**
 * Applies chat's presence changes to the identities that exist, in one statement; a change older
 * than the one applied is ignored. Answers how many identities changed.
 */
export async function applyPresence(db: Q, changes: PresenceChange[]): Promise<number> {
  // One row per user (an update joined to two source rows would take either): the newest wins,
  // and of equal times the later one, since one user's changes are published one after another.
  const latest = new Map<string, PresenceChange>()
  for (const c of changes) {
    const key = `${c.tenantId}|${c.userId}`
    const seen = latest.get(key)
    if (!seen || seen.occurredAt <= c.occurredAt) latest.set(key, c)
  }
  const list = [...latest.values()]
  if (!list.length) return 0
  const result = await sql`update ${sql.id(SCHEMA)}.identities i
    set presence_status = k.status, presence_last_seen = k.last_seen, presence_changed_at = k.occurred_at
    from unnest(${list.map((c) => c.userId)}::uuid[], ${list.map((c) => c.tenantId)}::text[], ${list.map((c) => c.status)}::text[],
      ${list.map((c) => c.lastSeen?.toISOString() ?? null)}::timestamptz[], ${list.map((c) => c.occurredAt.toISOString())}::timestamptz[])
      as k(user_id, tenant_id, status, last_seen, occurred_at)
    where i.user_id = k.user_id and i.tenant_id = k.tenant_id
      and (i.presence_changed_at is null or i.presence_changed_at <= k.occurred_at)`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/**
 * People of a tenant whose username, first, last, full or display name contains `search`
 * (case-insensitive, any script): only discoverable people, never `me`, never someone who blocked
 * `me`. Ordered by username, then user id.
 */
export async function searchPeopleByName(
  db: Q,
  tenantId: string,
  me: string,
  search: string,
  page: { limit: number; offset: number },
): Promise<{ count: number; rows: Identity[] }> {
  const pattern = containsPattern(search)
  const base = db
    .withSchema(SCHEMA)
    .selectFrom('identities as i')
    .where('i.tenant_id', '=', tenantId)
    .where('i.user_id', '<>', me)
    .where('i.discoverable', '=', true)
    .where('i.username', 'is not', null)
    .where(
      sql<boolean>`(i.username ilike ${pattern} or i.first_name ilike ${pattern} or i.last_name ilike ${pattern}
        or (i.first_name || ' ' || i.last_name) ilike ${pattern} or i.display_name ilike ${pattern})`,
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('blocks as b')
            .select('b.blocker_id')
            .whereRef('b.blocker_id', '=', 'i.user_id')
            .where('b.blocked_id', '=', me),
        ),
      ),
    )
  const [counted, rows] = await Promise.all([
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    base
      .selectAll('i')
      .orderBy('i.username')
      .orderBy('i.user_id')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
  ])
  return { count: Number((counted as { n: number | string }).n), rows: rows.map((r: Row) => identityFrom(r)) }
}
