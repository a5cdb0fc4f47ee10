import type { z } from 'zod'

import { presentPerson } from '../shared/person.presenter'
import type { Identity } from './identity.repository'
import type { ProfileSchema, Relationship, SearchResultSchema } from './identity.schema'

export function presentProfile(i: Identity): z.infer<typeof ProfileSchema> {
  return {
    user_id: i.userId,
    person_id: i.personId,
    username: i.username,
    email: i.email,
    first_name: i.firstName,
    last_name: i.lastName,
    display_name: i.displayName,
    bio: i.bio,
    status: i.status,
    discoverable: i.discoverable,
    avatar_url: i.avatarUrl,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
  }
}

export interface SearchHit {
  person: Identity
  relationship: Relationship
  inviteId: string | null
  roomId: string | null
}

export function presentSearchHit(hit: SearchHit): z.infer<typeof SearchResultSchema> {
  return {
    ...presentPerson(hit.person),
    bio: hit.person.bio,
    relationship: hit.relationship,
    is_contact: hit.relationship === 'contact',
    is_invited: hit.inviteId !== null,
    invite_id: hit.inviteId,
    room_id: hit.roomId,
  }
}
