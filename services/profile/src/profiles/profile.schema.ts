import { z } from 'zod'

import { optionalText, PhoneSchema, TimestampSchema } from '../shared/fields'

export const GENDERS = ['female', 'male', 'non_binary', 'other', 'prefer_not_to_say'] as const

/** The fields a user edits (SPEC section 4). Everything else comes from the token or account events. */
const EditableProfileFields = {
  /** Given name. Once set here it is the user's own and account events no longer change it. */
  first_name: optionalText(150).describe('Given name; once set here, account updates no longer overwrite it'),
  last_name: optionalText(150).describe('Family name; once set here, account updates no longer overwrite it'),
  display_name: optionalText(100),
  primary_phone: PhoneSchema.nullable().describe('E.164, e.g. +14155550100'),
  alternate_phone: PhoneSchema.nullable().describe('E.164, e.g. +442071838750'),
  gender: z.enum(GENDERS).nullable(),
  date_of_birth: z.iso
    .date('Use an ISO date, YYYY-MM-DD.')
    .nullable()
    .describe('YYYY-MM-DD, not in the future'),
  status_message: optionalText(280),
}

/** PUT replaces the whole editable profile: every field must be present (null clears it). */
export const ReplaceProfileSchema = z.object(EditableProfileFields).strict()
/** PATCH changes only the fields it names. */
export const UpdateProfileSchema = z.object(EditableProfileFields).partial().strict()
export type UpdateProfileInput = z.infer<typeof UpdateProfileSchema>

export const ProfileSchema = z.object({
  user_id: z.string(),
  person_id: z.string().describe('The 6-digit id people share to find each other'),
  email: z.string().nullable().describe('From the account; read-only'),
  username: z.string().nullable().describe('From the account; read-only'),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  display_name: z.string().nullable(),
  primary_phone: z.string().nullable(),
  alternate_phone: z.string().nullable(),
  gender: z.enum(GENDERS).nullable(),
  date_of_birth: z.string().nullable(),
  status_message: z.string().nullable(),
  avatar_url: z.string().nullable().describe('From the account; read-only'),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
})

/** Fields a client may read but never write, refused with a specific message. */
export const READ_ONLY_PROFILE_FIELDS = Object.fromEntries(
  ['user_id', 'person_id', 'email', 'username', 'avatar_url', 'created_at', 'updated_at'].map((f) => [
    f,
    f === 'avatar_url'
      ? 'This field is read-only here; upload an avatar through the account (POST /api/auth/upload-avatar/).'
      : 'This field is read-only.',
  ]),
)
