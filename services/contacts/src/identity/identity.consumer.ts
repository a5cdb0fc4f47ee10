import { UserSnapshotPayloadSchema } from '@parley/contracts'
import type { Consumer, Logger } from '@parley/platform'
import { SCHEMA } from '../db/schema'
import { upsertAuthSnapshot } from './identity.repository'

/**
 * Projects auth's users into `contacts.identities` (SPEC section 1: each service keeps its own
 * projection). An upsert, so it works whether the event comes before or after first access,
 * and it ignores snapshots older than the one already applied.
 */
export function identityConsumer(log: Logger): Consumer {
  return {
    name: 'contacts.identities',
    schema: SCHEMA,
    types: ['user.registered', 'user.updated'],
    async handle(event, tx) {
      const parsed = UserSnapshotPayloadSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE Retrying cannot fix a malformed payload, and a retry loop would hold back every later auth event.
        log.warn({ eventId: event.id, type: event.type, issues: parsed.error.issues }, 'ignored malformed user event')
        return
      }
      const p = parsed.data
      await upsertAuthSnapshot(tx.db, {
        userId: p.user_id,
        tenantId: p.tenant_id,
        personId: p.person_id,
        email: p.email ?? null,
        username: p.username ?? null,
        firstName: p.first_name ?? '',
        lastName: p.last_name ?? '',
        avatarUrl: p.avatar_url ?? null,
        occurredAt: new Date(event.occurredAt),
      })
    },
  }
}
