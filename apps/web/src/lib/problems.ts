/**
 * Human texts for the server's problems. The server's `detail` is written for developers too
 * ("invite 01a23ad9-…", "Too big: expected number to be <=12"): people see a sentence chosen by
 * problem type, and validator messages rewritten in plain words, never ids or field keys.
 */

/** By the last path segment of the problem `type` (`/problems/<slug>`). */
const BY_TYPE: Record<string, string> = {
  'invite-already-pending': 'You already invited this person. They have not answered yet.',
  'already-contacts': 'This person is already one of your contacts.',
  'person-blocked': 'You blocked this person. Unblock them first.',
  'invite-not-pending': 'This invite was already answered or cancelled.',
  'invite-not-found': 'This invite no longer exists.',
  'person-not-found': 'Nobody has that person ID.',
  'contact-not-found': 'This person is no longer one of your contacts.',
  'block-not-found': 'You have not blocked this person.',
  'cannot-invite-self': 'You cannot invite yourself.',
  'cannot-block-self': 'You cannot block yourself.',
  'payload-too-large': 'That file is too large.',
  'unsupported-image': 'Upload a PNG, JPEG, WebP or GIF image.',
}

export function problemSlug(type: string | undefined): string {
  return (type ?? '').split('/').filter(Boolean).pop() ?? ''
}

export function textForType(type: string | undefined): string | undefined {
  return BY_TYPE[problemSlug(type)]
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** Removes internal ids from a sentence ("… (invite 01a2…)" → "…"). */
export function withoutIds(text: string): string {
  return text
    .replace(new RegExp(`\\s*\\((?:[a-z_ ]+\\s)?${UUID.source}\\)`, 'gi'), '')
    .replace(new RegExp(`\\s*${UUID.source}`, 'gi'), '')
    .trim()
}

/** A validator's message (zod's wording) in plain words. */
export function humanFieldMessage(message: string): string {
  const m = message.trim()
  let r: RegExpExecArray | null
  if ((r = /^Too big: expected number to be <=?\s*(-?[\d.]+)/i.exec(m))) return `Must be ${r[1]} or less.`
  if ((r = /^Too small: expected number to be >=?\s*(-?[\d.]+)/i.exec(m))) return `Must be ${r[1]} or more.`
  if ((r = /^Too big: expected string to have <=?\s*(\d+) characters?/i.exec(m)))
    return `Use at most ${r[1]} characters.`
  if ((r = /^Too small: expected string to have >=?\s*(\d+) characters?/i.exec(m)))
    return r[1] === '1' ? 'This field is required.' : `Use at least ${r[1]} characters.`
  if ((r = /^Too big: expected array to have <=?\s*(\d+) items?/i.exec(m))) return `Choose at most ${r[1]}.`
  if ((r = /^Too small: expected array to have >=?\s*(\d+) items?/i.exec(m)))
    return `Choose at least ${r[1]}.`
  if (/^Invalid input: expected \w+, received (undefined|null)/i.test(m) || /^Required$/i.test(m))
    return 'This field is required.'
  if (/^Invalid input: expected (number|int)/i.test(m)) return 'Enter a number.'
  if (/^Invalid input: expected/i.test(m) || /^Invalid option/i.test(m)) return 'This value is not valid.'
  if (/^Unrecognized key/i.test(m)) return 'This value is not accepted.'
  if (/^Invalid (email|e-mail)/i.test(m)) return 'Enter a valid email address.'
  if (/^Invalid (uuid|url|string)/i.test(m)) return 'This value is not valid.'
  return withoutIds(m)
}

const LABELS: Record<string, string | null> = {
  // A reset/confirmation token is not something the person typed: its message stands alone.
  token: null,
  non_field_errors: null,
  '': null,
  person_id: 'Person ID',
  expiry_month: 'Expiry month',
  expiry_year: 'Expiry year',
  card_number: 'Card number',
  new_password: 'New password',
  old_password: 'Current password',
}

/** "expiry_month" → "Expiry month"; fields that are not form fields → null (no label). */
export function fieldLabel(key: string): string | null {
  if (key in LABELS) return LABELS[key]
  const last = key.split('.').pop() ?? key
  if (/^\d+$/.test(last)) return null
  const words = last.replace(/_/g, ' ').trim()
  return words ? words[0].toUpperCase() + words.slice(1) : null
}
