import type { UserSnapshotPayload } from '@parley/contracts'

import type { UserRow } from './users.repository'
import type { UserBody } from './users.schema'

export const AVATAR_PREFIX = 'avatars/'
export const AVATAR_ROUTE = '/media/avatars/'

/** The public path of a stored avatar key (`avatars/<file>` → `/media/avatars/<file>`). */
export function avatarUrl(avatarKey: string | null): string | null {
  return avatarKey ? AVATAR_ROUTE + avatarKey.slice(AVATAR_PREFIX.length) : null
}

/** A user row as the wire shows it (snake_case; no password hash). */
export function presentUser(row: UserRow): UserBody {
  return {
    id: row.id,
    person_id: row.person_id,
    email: row.email,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    avatar_url: avatarUrl(row.avatar_key),
    tenant_id: row.tenant_id,
    date_joined: new Date(row.date_joined).toISOString(),
  }
}

/** The `user.registered` / `user.updated` payload: a full snapshot (docs/PLATFORM.md). */
export function userEventPayload(row: UserRow): UserSnapshotPayload {
  return {
    user_id: row.id,
    tenant_id: row.tenant_id,
    person_id: row.person_id,
    email: row.email,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    avatar_url: avatarUrl(row.avatar_key),
  }
}
