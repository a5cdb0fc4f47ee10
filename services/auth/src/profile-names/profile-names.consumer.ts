import type { ProfileUpdatedPayload } from '@parley/contracts'
import type { Consumer } from '@parley/platform'
import { sql } from 'kysely'
import { z } from 'zod'

import type { AuthContext } from '../context'
import { publishUser } from '../users/accounts.service'
import type { UserRow } from '../users/users.repository'

const ProfileUpdatedSchema = z.object({
  user_id: z.uuid(),
  tenant_id: z.string().min(1),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
}) satisfies z.ZodType<Pick<ProfileUpdatedPayload, 'user_id' | 'tenant_id' | 'first_name' | 'last_name'>>

/**
 * The profile owns a person's names once they edit them (`profile.updated`): `/api/auth/me/`
 * shows them, and the account's `user.updated` snapshot carries them to everyone who projects
 * users. A profile event older than the one applied last changes nothing.
 */
export function profileNamesConsumer(ctx: AuthContext): Consumer {
  return {
    name: 'auth.profile-names',
    schema: 'auth',
    types: ['profile.updated'],
    async handle(event, tx) {
      const parsed = ProfileUpdatedSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE Retrying cannot fix a malformed payload, and would hold back the events behind it.
        ctx.log.warn(
          { eventId: event.id, type: event.type, issues: parsed.error.issues },
          'ignored malformed profile event',
        )
        return
      }
      const p = parsed.data
      const { rows } = await sql<UserRow & { changed: boolean }>`update auth.users u
        set first_name = ${p.first_name ?? ''}, last_name = ${p.last_name ?? ''},
          profile_synced_at = ${event.occurredAt}, updated_at = now()
        from (select id, first_name, last_name from auth.users where id = ${p.user_id} for update) old
        where u.id = old.id and u.tenant_id = ${p.tenant_id}
          and (u.profile_synced_at is null or u.profile_synced_at <= ${event.occurredAt})
        returning u.*, (old.first_name, old.last_name) is distinct from (u.first_name, u.last_name) as changed`.execute(
        tx.db,
      )
      const user = rows[0]
      if (user?.changed) await publishUser(ctx, tx, 'user.updated', user)
    },
  }
}
