import { ClientIdSchema, ContentSchema, MessageTypeSchema } from '@parley/contracts'
import { z } from 'zod'

export const HistoryQuerySchema = z
  .object({
    before_seq: z.coerce.number().int().min(1).optional(),
    after_seq: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    search: z.string().min(1).max(200).optional(),
    around_seq: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'A page centred on this seq (it and older ones, then newer ones); not with before_seq, after_seq or search',
      ),
  })
  .strict()

export const SendMessageSchema = z
  .object({
    content: ContentSchema,
    message_type: MessageTypeSchema.exclude(['system']).optional(),
    reply_to: z.string().uuid().nullable().optional(),
    attachment_ids: z.array(z.string().uuid()).max(10).optional(),
    /** Idempotency key: a retry with the same client_id answers the original message. */
    client_id: ClientIdSchema.optional(),
  })
  .strict()
