import { z } from 'zod'
import { PersonIdParamsSchema, PersonSchema } from '../shared/person.presenter'

/** The caller's own chat identity (SPEC section 5). */
export const ProfileSchema = z.object({
  user_id: z.uuid(),
  person_id: z.string(),
  username: z.string().nullable().describe('From the auth service; null until its user event arrives.'),
  email: z.string().nullable().describe('From the auth service; only ever shown to its owner.'),
  first_name: z.string(),
  last_name: z.string(),
  display_name: z.string().nullable().describe('From the profile service; null when unset.'),
  bio: z.string(),
  status: z
    .string()
    .describe('A short custom status line ("In a meeting"); not presence, which the chat service owns.'),
  avatar_url: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
})

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
  })
  .strict()
export type UpdateProfileInput = z.infer<typeof UpdateProfileSchema>

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
