import { listQuerySchema, orderingListSchema } from '@parley/platform'
import { z } from 'zod'

import { requiredText, TimestampSchema } from '../shared/fields'
import { CARD_BRANDS, CARD_TYPES } from './card-number'

const ExpiryMonthSchema = z.int().min(1).max(12).describe('1 to 12')
const ExpiryYearSchema = z.int().min(2000).max(2100).describe('Four digits, e.g. 2030')
const HolderSchema = requiredText(100)

export const CreateCardSchema = z
  .object({
    card_type: z.enum(CARD_TYPES),
    card_brand: z
      .enum(CARD_BRANDS)
      .describe('Must match the number; amex and diners are credit only, maestro is never credit'),
    card_number: z
      .string()
      .max(40)
      .describe(
        'Write-only. 12 to 19 digits, spaces and dashes allowed; Luhn-checked; never stored or returned',
      ),
    card_holder_name: HolderSchema,
    expiry_month: ExpiryMonthSchema,
    expiry_year: ExpiryYearSchema,
    is_default: z
      .boolean()
      .optional()
      .describe('At most one default; setting it clears the previous default'),
  })
  .strict()
export type CreateCardInput = z.infer<typeof CreateCardSchema>

/** PUT: the editable part of a card, whole (a left-out `is_default` means false). The number never changes. */
export const ReplaceCardSchema = z
  .object({
    card_holder_name: HolderSchema,
    expiry_month: ExpiryMonthSchema,
    expiry_year: ExpiryYearSchema,
    is_default: z.boolean().optional(),
  })
  .strict()
export type ReplaceCardInput = z.infer<typeof ReplaceCardSchema>
export const UpdateCardSchema = ReplaceCardSchema.partial().strict()
export type UpdateCardInput = z.infer<typeof UpdateCardSchema>

export const CARD_ORDERING = [
  'created_at',
  'updated_at',
  'card_brand',
  'card_holder_name',
  'expiry',
  'is_default',
] as const
export const CARD_SEARCH = ['card_holder_name', 'card_brand', 'last4'] as const
export const CardListQuerySchema = listQuerySchema({
  ordering: orderingListSchema(CARD_ORDERING),
  search: `Case-insensitive substring match on ${CARD_SEARCH.join(', ')}`,
}).strict()
export type CardListQuery = z.infer<typeof CardListQuerySchema>

export const CardSchema = z.object({
  id: z.string(),
  card_type: z.enum(CARD_TYPES),
  card_brand: z.enum(CARD_BRANDS),
  card_number_masked: z.string().describe('e.g. **** **** **** 4242; the full number is never returned'),
  last4: z.string(),
  card_holder_name: z.string(),
  expiry_month: z.int(),
  expiry_year: z.int(),
  is_expired: z.boolean(),
  is_default: z.boolean(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
})

const CVV_MESSAGE = 'Do not send the card security code (CVV/CVC): it is never accepted or stored.'
const READ_ONLY = 'This field is read-only.'

/** Refused on every card write with a message that says why, not just "Unknown field.". */
export const REFUSED_CARD_FIELDS: Record<string, string> = {
  cvv: CVV_MESSAGE,
  cvc: CVV_MESSAGE,
  cvv2: CVV_MESSAGE,
  cvc2: CVV_MESSAGE,
  security_code: CVV_MESSAGE,
  card_cvv: CVV_MESSAGE,
  id: READ_ONLY,
  card_number_masked: READ_ONLY,
  last4: READ_ONLY,
  is_expired: READ_ONLY,
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
}

/** On updates the number, and the brand and type that belong to it, are fixed. */
export const REFUSED_CARD_UPDATE_FIELDS: Record<string, string> = {
  ...REFUSED_CARD_FIELDS,
  card_number: 'The card number cannot be changed; add the new card and remove this one.',
  card_brand: 'The brand follows from the card number and cannot be changed.',
  card_type: 'The card type cannot be changed; add the card again with the right type.',
}
