import { UserSnapshotPayloadSchema } from '@parley/contracts'
import type { Consumer, DomainEvent, Logger, Tx } from '@parley/platform'

import { upsertFromAccount } from './profile.repository'

const blankToNull = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null)

/**
 * Keeps profiles in step with accounts. An event may come before or after the user first opens
 * their profile, so it upserts; the bus's inbox makes a redelivered event a no-op.
 */
export function accountEventsConsumer(log: Logger): Consumer {
  return {
    name: 'profile.users',
    schema: 'profile',
    types: ['user.registered', 'user.updated'],
    async handle(event: DomainEvent, tx: Tx) {
      const parsed = UserSnapshotPayloadSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE A malformed event can never succeed; retrying it would only hold back the events behind it.
        log.error(
          { eventId: event.id, type: event.type, issues: parsed.error.issues.map((i) => i.path.join('.')) },
          'ignoring malformed account event',
        )
        return
      }
      const p = parsed.data
      await upsertFromAccount(tx.db, {
        userId: p.user_id,
        tenantId: p.tenant_id,
        personId: p.person_id,
        email: blankToNull(p.email),
        username: blankToNull(p.username),
        firstName: blankToNull(p.first_name),
        lastName: blankToNull(p.last_name),
        avatarUrl: blankToNull(p.avatar_url),
        occurredAt: event.occurredAt,
      })
    },
  }
}
