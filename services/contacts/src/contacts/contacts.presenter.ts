import type { z } from 'zod'

import type { Identity } from '../identity/identity.repository'
import { presentPerson } from '../shared/person.presenter'
import type { Contact } from './contacts.repository'
import type { ContactSchema } from './contacts.schema'

/** Presence is chat's, as its last `user.presence_changed` event reported it (offline until one arrived). */
export function presentContact({
  contact,
  other,
}: {
  contact: Contact
  other: Identity
}): z.infer<typeof ContactSchema> {
  return {
    room_id: contact.roomId,
    created_at: contact.createdAt.toISOString(),
    contact: { ...presentPerson(other), bio: other.bio, status: other.status },
    presence: { status: other.presence.status, last_seen: other.presence.lastSeen?.toISOString() ?? null },
  }
}
