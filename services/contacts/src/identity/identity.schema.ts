import { ChatProfileSchema } from '@parley/contracts'
import { PageQuerySchema } from '@parley/platform'
import { z } from 'zod'

import { PersonIdParamsSchema, PersonSchema } from '../shared/person.presenter'

/** The caller's own chat identity (SPEC section 5). */
export const ProfileSchema = ChatProfileSchema

const singleLine = /^[^\r\n]*$/

export const UpdateProfileSchema = z
  .object({
    bio: z.string().trim().max(500).optional().describe('Free text, at most 500 characters.'),
    status: z
      .string()
      .trim()
      .max(100)
      .regex(singleLine, 'Must be a single line.')
      .optional()
      .describe('A single line of at most 100 characters; empty clears it.'),
    discoverable: z
      .boolean()
      .optional()
      .describe('Found by name or username in the people search of my workspace (person_id always works).'),
  })
  .strict()
export type UpdateProfileInput = z.infer<typeof UpdateProfileSchema>

export const PeopleQuerySchema = PageQuerySchema.extend({
  search: z
    .string()
    .trim()
    .min(1, 'Type a name or username.')
    .max(100)
    .describe('Part of a username, first, last or display name (case-insensitive, any script).'),
}).strict()

export const SearchSchema = z.object({ person_id: PersonIdParamsSchema.shape.person_id }).strict()

export const RELATIONSHIPS = ['self', 'contact', 'invite_sent', 'invite_received', 'blocked', 'none'] as const
export type Relationship = (typeof RELATIONSHIPS)[number]

export const SearchResultSchema = PersonSchema.extend({
  bio: z.string(),
  relationship: z
    .enum(RELATIONSHIPS)
    .describe('How the caller relates to this person: `blocked` means the caller blocked them.'),
  is_contact: z.boolean(),
  is_invited: z.boolean().describe('A pending invite exists between the two, in either direction.'),
  invite_id: z.uuid().nullable().describe('The pending invite, if any.'),
  room_id: z.uuid().nullable().describe('The direct conversation, when they are a contact.'),
})
