import type { z } from 'zod'

import { iso } from '../shared/fields'
import type { Profile } from './profile.repository'
import type { ProfileSchema } from './profile.schema'

export function presentProfile(p: Profile): z.infer<typeof ProfileSchema> {
  return {
    user_id: p.userId,
    person_id: p.personId,
    email: p.email,
    username: p.username,
    first_name: p.firstName,
    last_name: p.lastName,
    display_name: p.displayName,
    primary_phone: p.primaryPhone,
    alternate_phone: p.alternatePhone,
    gender: p.gender,
    date_of_birth: p.dateOfBirth,
    status_message: p.statusMessage,
    avatar_url: p.avatarUrl,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  }
}
