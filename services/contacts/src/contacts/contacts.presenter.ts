import type { z } from 'zod'
import type { Identity } from '../identity/identity.repository'
import { presentPerson } from '../shared/person.presenter'
import type { Contact } from './contacts.repository'
import type { ContactSchema } from './contacts.schema'

/**
 * @NOTE Presence lives in the chat service, which this service never calls (SPEC section 1)
 * and which publishes no presence events; clients read live presence from chat. The field
 * keeps seed 000's shape with the honest default.
 */
export function presentContact({ contact, other }: { contact: Contact; other: Identity }): z.infer<typeof ContactSchema> {
  return {
    room_id: contact.roomId,
    created_at: contact.createdAt.toISOString(),
    contact: { ...presentPerson(other), bio: other.bio, status: other.status },
    presence: { status: 'offline', last_seen: null },
  }
}
