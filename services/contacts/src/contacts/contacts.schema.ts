import { z } from 'zod'

import { PersonSchema } from '../shared/person.presenter'

export const PresenceSchema = z
  .object({
    status: z.enum(['online', 'away', 'busy', 'offline']),
    last_seen: z.string().nullable(),
  })
  .describe(
    "Chat's presence of the contact, from its user.presence_changed events: eventually consistent; GET /api/chat/presence/ is live.",
  )

export const ContactSchema = z.object({
  room_id: z.uuid().describe('The direct conversation of the two (a chat conversation id).'),
  created_at: z.string(),
  contact: PersonSchema.extend({ bio: z.string(), status: z.string() }).describe('The other person.'),
  presence: PresenceSchema,
})

export const RoomAccessSchema = z.object({ room_id: z.uuid() }).strict()
export const RoomAccessResultSchema = z.object({ has_access: z.boolean() })
