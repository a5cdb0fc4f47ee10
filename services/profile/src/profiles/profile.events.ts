import type { ProfileUpdatedPayload } from '@parley/contracts'
import type { EventBus, Tx } from '@parley/platform'

import type { Profile } from './profile.repository'

/** What other people see of a profile: a change of any of these publishes `profile.updated`. */
const SHOWN = ['firstName', 'lastName', 'displayName', 'statusMessage'] as const

export function shownFieldsChanged(before: Profile, after: Profile): boolean {
  return SHOWN.some((field) => before[field] !== after[field])
}

/** `profile.updated` (packages/contracts, bus-events.ts), inside the change's transaction. */
export function publishProfileUpdated(bus: EventBus, tx: Tx, p: Profile) {
  return bus.publish<ProfileUpdatedPayload>(tx, 'profile', {
    type: 'profile.updated',
    tenantId: p.tenantId,
    payload: {
      user_id: p.userId,
      tenant_id: p.tenantId,
      person_id: p.personId,
      first_name: p.firstName,
      last_name: p.lastName,
      display_name: p.displayName,
      status_message: p.statusMessage,
    },
  })
}
