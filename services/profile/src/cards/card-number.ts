/**
 * Card-number rules that need no I/O: normalising, the Luhn check, brand detection from IIN
 * ranges, which brands exist for which card types, and masking.
 */

export const CARD_BRANDS = [
  'visa',
  'mastercard',
  'amex',
  'rupay',
  'discover',
  'diners',
  'jcb',
  'maestro',
  'unionpay',
] as const
export type CardBrand = (typeof CARD_BRANDS)[number]

export const CARD_TYPES = ['credit', 'debit', 'prepaid'] as const
export type CardType = (typeof CARD_TYPES)[number]

/** One IIN range: numbers whose first `from.length` digits lie between `from` and `to`. */
interface IinRule {
  brand: CardBrand
  from: string
  to: string
  lengths: readonly number[]
}

const range = (brand: CardBrand, from: string, to: string, lengths: readonly number[]): IinRule => ({
  brand,
  from,
  to,
  lengths,
})
const span = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i)

// @NOTE Some ranges overlap (RuPay inside Discover's 65, Discover's co-brand inside UnionPay's 62):
// the longest matching prefix is the detected brand, but any matching brand is accepted as card_brand.
const IIN_RULES: readonly IinRule[] = [
  range('visa', '4', '4', [13, 16, 19]),
  range('mastercard', '51', '55', [16]),
  range('mastercard', '2221', '2720', [16]),
  range('amex', '34', '34', [15]),
  range('amex', '37', '37', [15]),
  range('discover', '6011', '6011', span(16, 19)),
  range('discover', '644', '649', span(16, 19)),
  range('discover', '65', '65', span(16, 19)),
  range('discover', '622126', '622925', span(16, 19)),
  range('diners', '300', '305', span(14, 19)),
  range('diners', '3095', '3095', span(14, 19)),
  range('diners', '36', '36', span(14, 19)),
  range('diners', '38', '39', span(14, 19)),
  range('jcb', '3528', '3589', span(16, 19)),
  range('unionpay', '62', '62', span(16, 19)),
  range('maestro', '5018', '5018', span(12, 19)),
  range('maestro', '5020', '5020', span(12, 19)),
  range('maestro', '5038', '5038', span(12, 19)),
  range('maestro', '5893', '5893', span(12, 19)),
  range('maestro', '6304', '6304', span(12, 19)),
  range('maestro', '6759', '6759', span(12, 19)),
  range('maestro', '6761', '6763', span(12, 19)),
  range('rupay', '508500', '508999', [16]),
  range('rupay', '606985', '607984', [16]),
  range('rupay', '608001', '608500', [16]),
  range('rupay', '652150', '653149', [16]),
  range('rupay', '817200', '820199', [16]),
]

/**
 * Which card types each brand is issued as. American Express and Diners Club are charge/credit
 * cards only, and Maestro is a debit brand (debit or prepaid, never credit); the others are
 * issued as all three.
 */
export const BRAND_CARD_TYPES: Record<CardBrand, readonly CardType[]> = {
  visa: CARD_TYPES,
  mastercard: CARD_TYPES,
  amex: ['credit'],
  rupay: CARD_TYPES,
  discover: CARD_TYPES,
  diners: ['credit'],
  jcb: CARD_TYPES,
  maestro: ['debit', 'prepaid'],
  unionpay: CARD_TYPES,
}

/** Drops spaces and dashes; answers undefined unless what is left is 12 to 19 digits. */
export function normalizeCardNumber(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '')
  return /^\d{12,19}$/.test(digits) ? digits : undefined
}

/** The Luhn (mod 10) check digit test. */
export function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** Every brand whose IIN range and length fit the number, the most specific (longest prefix) first. */
export function detectBrands(digits: string): CardBrand[] {
  const matches = IIN_RULES.filter((rule) => {
    const prefix = digits.slice(0, rule.from.length)
    return (
      prefix.length === rule.from.length &&
      prefix >= rule.from &&
      prefix <= rule.to &&
      rule.lengths.includes(digits.length)
    )
  }).sort((a, b) => b.from.length - a.from.length)
  return [...new Set(matches.map((m) => m.brand))]
}

export function detectBrand(digits: string): CardBrand | undefined {
  return detectBrands(digits)[0]
}

/** `**** **** **** 4242`; American Express keeps its 4-6-5 grouping: `**** ****** *1005`. */
export function maskCardNumber(brand: string, last4: string): string {
  return brand === 'amex' ? `**** ****** *${last4}` : `**** **** **** ${last4}`
}

export type CardNumberProblem = 'format' | 'luhn' | 'unknown-brand' | 'brand-mismatch' | 'type-mismatch'

/**
 * Checks a card number against the claimed brand and type. Messages never contain the number.
 * @example checkCardNumber('4242 4242 4242 4242', 'visa', 'credit') // { ok: true, digits: '4242…', brand: 'visa' }
 */
export function checkCardNumber(
  input: string,
  brand: CardBrand,
  type: CardType,
):
  | { ok: true; digits: string; brand: CardBrand }
  | {
      ok: false
      field: 'card_number' | 'card_brand' | 'card_type'
      problem: CardNumberProblem
      message: string
    } {
  const digits = normalizeCardNumber(input)
  if (!digits)
    return {
      ok: false,
      field: 'card_number',
      problem: 'format',
      message: 'Enter 12 to 19 digits (spaces and dashes are allowed).',
    }
  if (!passesLuhn(digits))
    return {
      ok: false,
      field: 'card_number',
      problem: 'luhn',
      message: 'This is not a valid card number (check digit mismatch).',
    }
  const brands = detectBrands(digits)
  if (brands.length === 0) {
    return {
      ok: false,
      field: 'card_number',
      problem: 'unknown-brand',
      message: `The card number does not belong to a supported brand (${CARD_BRANDS.join(', ')}).`,
    }
  }
  if (!brands.includes(brand)) {
    return {
      ok: false,
      field: 'card_brand',
      problem: 'brand-mismatch',
      message: `The card number is a ${brands[0]} card, not ${brand}.`,
    }
  }
  if (!BRAND_CARD_TYPES[brand].includes(type)) {
    return {
      ok: false,
      field: 'card_type',
      problem: 'type-mismatch',
      message: `${brand} cards are issued only as ${BRAND_CARD_TYPES[brand].join(' or ')}.`,
    }
  }
  return { ok: true, digits, brand }
}

/**
 * A card is valid through the last day of its expiry month. The month is read in the earliest
 * time zone (UTC-12), so a card still valid somewhere today is never refused.
 */
export function isExpired(month: number, year: number, now: Date): boolean {
  const earliest = new Date(now.getTime() - 12 * 3600_000)
  const current = earliest.getUTCFullYear() * 12 + earliest.getUTCMonth()
  return year * 12 + (month - 1) < current
}
