import { PageQuerySchema } from '@parley/platform'
import { z } from 'zod'

export const IdParams = z.object({ id: z.uuid() }).strict()
export const ListQuery = PageQuerySchema.extend({ search: z.string().max(100).optional() }).strict()
export const Gone = (what: string) => z.null().describe(what)

export const CreateConversationSchema = z
  .object({
    type: z.enum(['direct', 'group', 'channel']),
    name: z.string().max(100).nullable().optional(),
    topic: z.string().max(500).nullable().optional(),
    /** The other members' user ids; the creator joins as owner and is ignored if listed. */
    participant_ids: z.array(z.string().uuid()).max(500).default([]),
    /** Channels only: listed and joinable by everyone in the tenant. */
    is_public: z.boolean().optional(),
  })
  .strict()

export const UpdateConversationSchema = z
  .object({
    name: z.string().max(100).optional(),
    topic: z.string().max(500).nullable().optional(),
    avatar_url: z.string().url().max(500).nullable().optional(),
  })
  .strict()
