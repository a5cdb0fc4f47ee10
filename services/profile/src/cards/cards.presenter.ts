import type { z } from 'zod'

import { iso } from '../shared/fields'
import { isExpired, maskCardNumber } from './card-number'
import type { Card } from './cards.repository'
import type { CardSchema } from './cards.schema'

export function presentCard(c: Card, now: Date): z.infer<typeof CardSchema> {
  return {
    id: c.id,
    card_type: c.cardType,
    card_brand: c.cardBrand,
    card_number_masked: maskCardNumber(c.cardBrand, c.last4),
    last4: c.last4,
    card_holder_name: c.cardHolderName,
    expiry_month: c.expiryMonth,
    expiry_year: c.expiryYear,
    is_expired: isExpired(c.expiryMonth, c.expiryYear, now),
    is_default: c.isDefault,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  }
}
