import { UserPresenceChangedPayloadSchema } from '@parley/contracts'
import type { Consumer, DomainEvent, Logger, Tx } from '@parley/platform'

import { SCHEMA } from '../db/schema'
import { applyPresence, type PresenceChange } from './identity.repository'

/**
 * Projects chat's `user.presence_changed` onto `contacts.identities`, for the contact list.
 * Only an identity that exists is updated: presence carries no person_id to create one from, and
 * nobody lists a person without an identity (it is created on first access or from auth's user
 * events), so a change for an unknown user is dropped; the user's next transition brings it.
 * A redelivery is deduped by the inbox; an event older than the one applied changes nothing.
 */
export function presenceConsumer(log: Logger): Consumer {
  return {
    name: 'contacts.presence',
    schema: SCHEMA,
    types: ['user.presence_changed'],
    handle: (event, tx) => apply([event], tx),
    // A reconnect storm publishes thousands of these: a run of them is one update.
    handleMany: (events, tx) => apply(events, tx),
  }

  async function apply(events: DomainEvent[], tx: Tx) {
    const changes: PresenceChange[] = []
    for (const event of events) {
      const parsed = UserPresenceChangedPayloadSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE Retrying cannot fix a malformed payload, and a retry loop would hold back every later chat event.
        log.warn(
          { eventId: event.id, type: event.type, issues: parsed.error.issues },
          'ignored malformed presence event',
        )
        continue
      }
      const p = parsed.data
      changes.push({
        userId: p.user_id,
        tenantId: event.tenantId,
        status: p.status,
        lastSeen: p.last_seen ? new Date(p.last_seen) : null,
        occurredAt: new Date(event.occurredAt),
      })
    }
    await applyPresence(tx.db, changes)
  }
}
