import type { z } from 'zod'

import { iso } from '../shared/fields'
import type { Address } from './addresses.repository'
import type { AddressSchema } from './addresses.schema'

export function presentAddress(a: Address): z.infer<typeof AddressSchema> {
  return {
    id: a.id,
    address_type: a.addressType,
    line1: a.line1,
    line2: a.line2,
    country: a.country,
    state: a.state,
    city: a.city,
    zip_code: a.zipCode,
    phone_number: a.phoneNumber,
    is_default: a.isDefault,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  }
}
