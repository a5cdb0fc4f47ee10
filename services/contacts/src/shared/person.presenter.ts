import { z } from 'zod'

import type { Identity } from '../identity/identity.repository'

/** Another person as everyone in the tenant may see them: never their email. */
export const PersonSchema = z.object({
  user_id: z.uuid(),
  person_id: z.string().describe('6-digit id people share to find each other.'),
  username: z
    .string()
    .nullable()
    .describe('Null until the auth service has told us (eventually consistent).'),
  first_name: z.string(),
  last_name: z.string(),
  display_name: z
    .string()
    .nullable()
    .describe('The name the person chose to be shown by (profile); null when unset.'),
  avatar_url: z.string().nullable(),
})
export type PersonOutput = z.infer<typeof PersonSchema>

export function presentPerson(i: Identity): PersonOutput {
  return {
    user_id: i.userId,
    person_id: i.personId,
    username: i.username,
    first_name: i.firstName,
    last_name: i.lastName,
    display_name: i.displayName,
    avatar_url: i.avatarUrl,
  }
}

/** A path parameter naming a person by person_id. */
export const PersonIdParamsSchema = z.object({
  person_id: z.string().regex(/^[1-9]\d{5}$/, 'Must be a 6-digit person_id.'),
})
