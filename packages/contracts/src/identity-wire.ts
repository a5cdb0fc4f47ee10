import { z } from 'zod'

import { PersonIdSchema } from './bus-events'

/**
 * REST shapes of the auth and contacts services that the web client reads. snake_case, as on
 * the wire; timestamps are ISO 8601 strings. The services' route schemas use these, so the
 * OpenAPI document, the server and the client share one declaration.
 */

/** The user as every auth endpoint shows it. Never the password hash. */
export const UserSchema = z.object({
  id: z.uuid(),
  person_id: PersonIdSchema.describe('Random 6-digit id people share to find each other.'),
  email: z.string(),
  username: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  avatar_url: z.string().nullable().describe('Path of the avatar image (WebP, 256×256), or null.'),
  tenant_id: z.uuid(),
  date_joined: z.string().describe('ISO 8601 timestamp.'),
})
export type UserWire = z.infer<typeof UserSchema>

export const TokenPairSchema = z.object({
  access: z.string().describe('EdDSA-signed JWT, `Authorization: Bearer <access>`.'),
  refresh: z.string().describe('Opaque refresh token; rotated on every use.'),
})
export type TokenPairWire = z.infer<typeof TokenPairSchema>

export const LoginResponseSchema = TokenPairSchema.extend({ user: UserSchema })
export type LoginResponseWire = z.infer<typeof LoginResponseSchema>

/** The caller's own chat identity in the contacts service (SPEC section 5). */
export const ChatProfileSchema = z.object({
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
  /** Others of my workspace find me by name or username (on by default); person_id always works. */
  discoverable: z
    .boolean()
    .describe('Others of the workspace find me by name or username (default true); person_id always works.'),
  created_at: z.string(),
  updated_at: z.string(),
})
export type ChatProfileWire = z.infer<typeof ChatProfileSchema>

/** SPEC section 2's page envelope `{count, next, previous, results}`. */
export interface PageWire<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}
