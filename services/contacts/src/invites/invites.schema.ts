import { z } from 'zod'

import { PersonIdParamsSchema, PersonSchema } from '../shared/person.presenter'
import { INVITE_STATUSES } from './invites.repository'

export const InviteSchema = z.object({
  id: z.uuid(),
  status: z.enum(INVITE_STATUSES),
  sender: PersonSchema,
  recipient: PersonSchema,
  room_id: z.uuid().nullable().describe('The direct conversation created when the invite was accepted.'),
  created_at: z.string(),
  responded_at: z.string().nullable(),
})

export const SendInviteSchema = z.object({ person_id: PersonIdParamsSchema.shape.person_id }).strict()

export const AnswerInviteSchema = z
  .object({
    invite_id: z.uuid(),
    accept: z.boolean().describe('true accepts (creates the contact and its room), false rejects.'),
  })
  .strict()

export const InviteIdBodySchema = z.object({ invite_id: z.uuid() }).strict()

export const InviteIdParamsSchema = z.object({ id: z.uuid() })
