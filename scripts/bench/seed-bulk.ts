/**
 * Bulk seeding for plans too big to go user by user (scenario c at 100,000 connections): rows
 * go in multi-row INSERTs of BULK_ROWS, through the same repositories the services use where a
 * repository takes many rows, so 100,000 users and 1,000 groups of 100 are a few hundred
 * statements instead of hundreds of thousands of events and requests.
 *
 * What it writes, and what it leaves out on purpose:
 * - auth.users (one shared password hash, as the per-user path) and chat.users, chat's own
 *   projection of them, written directly instead of through `user.registered` (the profile and
 *   contacts projections are not written: idle connections never read them);
 * - one session family per user in auth.refresh_families and an access token signed by auth's
 *   `signAccessToken` with that family as `sid` (no refresh token: the bench never refreshes);
 * - groups of `members` with `insertConversation`, `insertMembers` and their `participant.added`
 *   sync rows (`recordChanges`), as `createConversation` writes them, many per transaction.
 */
import { newId, type Platform, transaction } from '@parley/platform'
import { sql } from 'kysely'

import type { AuthContext } from '../../services/auth/src/context'
import { signAccessToken } from '../../services/auth/src/tokens/access-tokens'
import type { UserRow } from '../../services/auth/src/users/users.repository'
import { insertConversation } from '../../services/chat/src/conversations/conversations.repository'
import { insertMembers } from '../../services/chat/src/participants/participants.repository'
import { recordChanges } from '../../services/chat/src/sync/sync.repository'
import type { SeedScenario, SeedUser } from './seed'

/** Rows per INSERT: 1,000 users × 9 columns stays far below PostgreSQL's 65,535 parameters. */
const BULK_ROWS = 1_000
/** Plans with more users than this are seeded in bulk. */
export const BULK_FROM = 5_000

export async function seedBulk(
  auth: AuthContext,
  platform: Platform,
  item: { key: string; rooms: number; members: number },
  tenantId: string,
  passwordHash: string,
  /** A person id no other seeded user has (there are 900,000: rejection sampling is enough). */
  freshPersonId: () => string,
  say: (text: string) => void,
): Promise<SeedScenario> {
  const n = item.rooms * item.members
  const run = newId().slice(-8)
  const rows: UserRow[] = []
  const users: SeedUser[] = []
  const now = new Date()
  for (let start = 0; start < n; start += BULK_ROWS) {
    const chunk: Array<Omit<UserRow, 'date_joined' | 'updated_at' | 'avatar_key'>> = []
    for (let i = start; i < Math.min(n, start + BULK_ROWS); i++) {
      const username = `bench_${item.key}_${i}_${run}`
      chunk.push({
        id: newId(),
        tenant_id: tenantId,
        person_id: freshPersonId(),
        email: `${username}@bench.invalid`,
        username,
        password_hash: passwordHash,
        first_name: 'Bench',
        last_name: `${item.key}${i}`,
      })
    }
    const made = await transaction(platform.db, async (tx) => {
      const inserted = (await tx.db
        .withSchema('auth')
        .insertInto('users')
        .values(chunk)
        .returningAll()
        .execute()) as UserRow[]
      await tx.db
        .withSchema('auth')
        .insertInto('refresh_families')
        .values(
          inserted.map((u) => ({
            id: u.id,
            user_id: u.id,
            tenant_id: u.tenant_id,
            created_at: now,
            last_issued_at: now,
          })),
        )
        .execute()
      await sql`insert into chat.users (id, tenant_id, person_id, username, first_name, last_name, updated_at)
        select * from unnest(${inserted.map((u) => u.id)}::uuid[], ${inserted.map((u) => u.tenant_id)}::text[],
          ${inserted.map((u) => u.person_id)}::text[], ${inserted.map((u) => u.username)}::text[],
          ${inserted.map((u) => u.first_name)}::text[], ${inserted.map((u) => u.last_name)}::text[],
          ${inserted.map(() => now.toISOString())}::timestamptz[])`.execute(tx.db)
      return inserted
    })
    rows.push(...made)
  }
  say(`${item.key}: ${n} users inserted (bulk)`)
  for (const u of rows) {
    // The session family's id is the user's own (one session each): `sid` names a real family.
    const claims = { userId: u.id, tenantId: u.tenant_id, personId: u.person_id, sessionId: u.id }
    users.push({ id: u.id, token: await signAccessToken(auth.keys, claims, auth.config.jwt.accessTtl) })
  }
  say(`${item.key}: ${n} access tokens signed`)
  const rooms: string[] = []
  const perTx = Math.max(1, Math.floor(BULK_ROWS / item.members))
  for (let start = 0; start < item.rooms; start += perTx) {
    await transaction(platform.db, async (tx) => {
      for (let r = start; r < Math.min(item.rooms, start + perTx); r++) {
        const members = rows.slice(r * item.members, (r + 1) * item.members)
        const id = newId()
        rooms.push(id)
        await insertConversation(tx.db, {
          id,
          tenantId,
          type: 'group',
          name: `bench ${item.key} ${r}`,
          topic: null,
          isPublic: false,
          createdBy: members[0].id,
        })
        await insertMembers(
          tx.db,
          id,
          members.map((u, k) => [u.id, k === 0 ? 'owner' : 'member']),
        )
        await recordChanges(
          tx.db,
          members.map((u, k) => ({
            conversationId: id,
            userId: u.id,
            type: 'participant.added' as const,
            data: { user_id: u.id, role: k === 0 ? 'owner' : 'member' },
          })),
        )
      }
    })
  }
  say(`${item.key}: ${item.rooms} conversations of ${item.members} (bulk)`)
  return { users, rooms }
}
