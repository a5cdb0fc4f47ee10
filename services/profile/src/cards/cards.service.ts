import {
  fieldError,
  isUniqueViolation,
  isUuid,
  newId,
  orderTerms,
  pageOffset,
  validationFailed,
} from '@parley/platform'

import type { ProfileContext } from '../context'
import { cardLimitReached, cardNotFound, duplicateCard } from '../errors'
import type { Owner } from '../shared/owner'
import { withOwnerLock } from '../shared/owner-lock'
import { checkCardNumber, isExpired } from './card-number'
import {
  type Card,
  type CardChanges,
  clearDefaultCard,
  countCards,
  deleteCard,
  findCard,
  hasCardWithFingerprint,
  insertCard,
  listCards,
  updateCard,
} from './cards.repository'
import type { CardListQuery, CreateCardInput, ReplaceCardInput, UpdateCardInput } from './cards.schema'
import { cardFingerprint } from './fingerprint'

export const MAX_CARDS_PER_USER = 4
const MAX_YEARS_AHEAD = 20

const ORDER_COLUMNS: Record<string, string[]> = {
  created_at: ['created_at'],
  updated_at: ['updated_at'],
  card_brand: ['card_brand'],
  card_holder_name: ['card_holder_name'],
  expiry: ['expiry_year', 'expiry_month'],
  is_default: ['is_default'],
}

export async function listMyCards(ctx: ProfileContext, owner: Owner, query: CardListQuery) {
  return listCards(ctx.db, owner, {
    search: query.search || undefined,
    order: orderTerms(query.ordering, ORDER_COLUMNS, '-is_default,created_at'),
    ...pageOffset(query),
  })
}

export async function getCard(ctx: ProfileContext, owner: Owner, id: string): Promise<Card> {
  const card = isUuid(id) ? await findCard(ctx.db, owner, id) : undefined
  if (!card) throw cardNotFound()
  return card
}

/**
 * Saves a card the PCI way: the number is checked (Luhn, brand, type), reduced to brand, last
 * four and a keyed fingerprint, and dropped. The limit and duplicate checks run under the
 * owner's lock, so parallel requests cannot pass them together.
 */
export async function addCard(ctx: ProfileContext, owner: Owner, input: CreateCardInput): Promise<Card> {
  const checked = checkCardNumber(input.card_number, input.card_brand, input.card_type)
  if (!checked.ok) throw fieldError(checked.field, checked.message)
  checkExpiry(input.expiry_month, input.expiry_year, ctx.now())
  const fingerprint = cardFingerprint(ctx.fingerprintKey, checked.digits)
  const last4 = checked.digits.slice(-4)
  try {
    const card = await withOwnerLock(ctx.db, owner, async (tx) => {
      if (await hasCardWithFingerprint(tx.db, owner, fingerprint)) throw duplicateCard()
      if ((await countCards(tx.db, owner)) >= MAX_CARDS_PER_USER) throw cardLimitReached(MAX_CARDS_PER_USER)
      if (input.is_default) await clearDefaultCard(tx.db, owner)
      return insertCard(tx.db, owner, newId(), {
        cardType: input.card_type,
        cardBrand: input.card_brand,
        last4,
        fingerprint,
        cardHolderName: input.card_holder_name,
        expiryMonth: input.expiry_month,
        expiryYear: input.expiry_year,
        isDefault: input.is_default ?? false,
      })
    })
    ctx.log.info({ userId: owner.userId, cardId: card.id, brand: card.cardBrand }, 'card saved')
    return card
  } catch (err) {
    if (isUniqueViolation(err, 'cards_user_fingerprint_key')) throw duplicateCard()
    throw err
  }
}

/** PUT: holder and expiry are required; a left-out `is_default` means false. */
export async function replaceCard(ctx: ProfileContext, owner: Owner, id: string, input: ReplaceCardInput) {
  return changeCard(ctx, owner, id, {
    cardHolderName: input.card_holder_name,
    expiryMonth: input.expiry_month,
    expiryYear: input.expiry_year,
    isDefault: input.is_default ?? false,
  })
}

export async function patchCard(ctx: ProfileContext, owner: Owner, id: string, input: UpdateCardInput) {
  const changes: CardChanges = {}
  if (input.card_holder_name !== undefined) changes.cardHolderName = input.card_holder_name
  if (input.expiry_month !== undefined) changes.expiryMonth = input.expiry_month
  if (input.expiry_year !== undefined) changes.expiryYear = input.expiry_year
  if (input.is_default !== undefined) changes.isDefault = input.is_default
  return changeCard(ctx, owner, id, changes)
}

export async function removeCard(ctx: ProfileContext, owner: Owner, id: string): Promise<void> {
  if (!isUuid(id) || !(await deleteCard(ctx.db, owner, id))) throw cardNotFound()
}

async function changeCard(
  ctx: ProfileContext,
  owner: Owner,
  id: string,
  changes: CardChanges,
): Promise<Card> {
  if (!isUuid(id)) throw cardNotFound()
  return withOwnerLock(ctx.db, owner, async (tx) => {
    const current = await findCard(tx.db, owner, id)
    if (!current) throw cardNotFound()
    if (changes.expiryMonth !== undefined || changes.expiryYear !== undefined) {
      checkExpiry(
        changes.expiryMonth ?? current.expiryMonth,
        changes.expiryYear ?? current.expiryYear,
        ctx.now(),
      )
    }
    if (changes.isDefault) await clearDefaultCard(tx.db, owner, id)
    const updated = await updateCard(tx.db, owner, id, changes)
    if (!updated) throw cardNotFound()
    return updated
  })
}

function checkExpiry(month: number, year: number, now: Date): void {
  if (isExpired(month, year, now)) {
    throw validationFailed(
      { expiry_year: ['The card has expired.'], expiry_month: ['The card has expired.'] },
      'The card has expired.',
    )
  }
  if (year > now.getUTCFullYear() + MAX_YEARS_AHEAD) {
    throw fieldError('expiry_year', `The expiry year cannot be more than ${MAX_YEARS_AHEAD} years ahead.`)
  }
}
