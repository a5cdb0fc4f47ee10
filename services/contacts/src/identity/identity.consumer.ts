import { parseBusEvent, UserSnapshotPayloadSchema } from '@parley/contracts'
import type { Consumer, Logger } from '@parley/platform'

import { SCHEMA } from '../db/schema'
import { upsertAuthSnapshot, upsertProfileNames } from './identity.repository'

/** The consumer that projects users here: a lookup that misses waits for it to catch up (ADR 0012). */
export const IDENTITY_CONSUMER = 'contacts.identities'

/**
 * Projects auth's users into `contacts.identities` (SPEC section 1: each service keeps its own
 * projection). An upsert, so it works whether the event comes before or after first access,
 * and it ignores snapshots older than the one already applied. The names a person chose on
 * their profile (`profile.updated`) win over the account's from then on.
 */
export function identityConsumer(log: Logger): Consumer {
  return {
    name: IDENTITY_CONSUMER,
    schema: SCHEMA,
    types: ['user.registered', 'user.updated', 'profile.updated'],
    async handle(event, tx) {
      if (event.type === 'profile.updated') {
        const names = parseBusEvent('profile.updated', event.payload)
        if (!names.success) {
          log.warn(
            { eventId: event.id, type: event.type, issues: names.error.issues },
            'ignored malformed profile event',
          )
          return
        }
        const n = names.data
        await upsertProfileNames(tx.db, {
          userId: n.user_id,
          tenantId: n.tenant_id,
          personId: n.person_id,
          firstName: n.first_name ?? '',
          lastName: n.last_name ?? '',
          displayName: n.display_name,
          occurredAt: new Date(event.occurredAt),
        })
        return
      }
      const parsed = UserSnapshotPayloadSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE Retrying cannot fix a malformed payload, and a retry loop would hold back every later auth event.
        log.warn(
          { eventId: event.id, type: event.type, issues: parsed.error.issues },
          'ignored malformed user event',
        )
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
