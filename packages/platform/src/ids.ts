import { randomInt } from 'node:crypto'

import { v7 as uuidv7 } from 'uuid'

/** A time-ordered UUIDv7, the identifier of every entity. */
export function newId(): string {
  return uuidv7()
}

/** A 6-digit person_id that never starts with 0 (SPEC section 1). */
export function newPersonId(): string {
  return String(randomInt(100_000, 1_000_000))
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function isUuid(value: string): boolean {
  return UUID_RE.test(value)
}
