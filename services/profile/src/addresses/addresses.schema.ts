import { listQuerySchema, orderingListSchema } from '@parley/platform'
import { z } from 'zod'

import { optionalText, PhoneSchema, requiredText, TimestampSchema } from '../shared/fields'
import { isCountryCode } from './countries'

export const ADDRESS_TYPES = ['home', 'work', 'billing', 'shipping', 'other'] as const

const CountrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isCountryCode, 'Use an ISO 3166-1 alpha-2 country code, e.g. US, IN or DE.')
  .describe('ISO 3166-1 alpha-2 (e.g. US, IN, DE)')

const ZipSchema = z
  .string()
  .trim()
  .max(20)
  .transform((v) => (v === '' ? null : v))
  .pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/, 'Use 2 to 12 letters, digits, spaces or dashes.')
      .nullable(),
  )
  .nullable()

const AddressFields = {
  /** One address per type per user. */
  address_type: z.enum(ADDRESS_TYPES).describe('One address per type per user'),
  line1: requiredText(255),
  line2: optionalText(255).optional(),
  country: CountrySchema,
  state: optionalText(100).optional(),
  city: requiredText(100),
  zip_code: ZipSchema.optional(),
  phone_number: PhoneSchema.nullable().optional().describe('E.164, e.g. +14155550100'),
  /** Setting it moves the default from the previous default address. */
  is_default: z.boolean().optional().describe('At most one default; setting it clears the previous default'),
}

/** POST and PUT: a whole address; optional fields left out are empty (PUT replaces). */
export const CreateAddressSchema = z.object(AddressFields).strict()
export type CreateAddressInput = z.infer<typeof CreateAddressSchema>
export const UpdateAddressSchema = z.object(AddressFields).partial().strict()
export type UpdateAddressInput = z.infer<typeof UpdateAddressSchema>

export const ADDRESS_ORDERING = [
  'created_at',
  'updated_at',
  'address_type',
  'city',
  'country',
  'is_default',
] as const
export const ADDRESS_SEARCH = ['city', 'line1', 'zip_code'] as const
export const AddressListQuerySchema = listQuerySchema({
  ordering: orderingListSchema(ADDRESS_ORDERING),
  search: `Case-insensitive substring match on ${ADDRESS_SEARCH.join(', ')}`,
}).strict()
export type AddressListQuery = z.infer<typeof AddressListQuerySchema>

export const AddressSchema = z.object({
  id: z.string(),
  address_type: z.enum(ADDRESS_TYPES),
  line1: z.string(),
  line2: z.string().nullable(),
  country: z.string(),
  state: z.string().nullable(),
  city: z.string(),
  zip_code: z.string().nullable(),
  phone_number: z.string().nullable(),
  is_default: z.boolean(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
})

export const READ_ONLY_ADDRESS_FIELDS = {
  id: 'This field is read-only.',
  created_at: 'This field is read-only.',
  updated_at: 'This field is read-only.',
}
