import { randomFillSync, randomInt } from 'node:crypto'

import { v7 as uuidv7 } from 'uuid'

// @NOTE uuid's own v7 draws 16 fresh bytes from crypto.getRandomValues for every id: ~3 µs of
// binding and validation per call, one of the larger costs of a sent message on the server. The
// ids here take their random bytes from a pool refilled 256 ids at a time, and keep what uuid's
// default keeps: ids made in one millisecond still sort in the order they were made (RFC 9562
// method 1: a counter seeded at random each millisecond, carried into the next when it wraps).
const POOL_IDS = 256
const pool = new Uint8Array(16 * POOL_IDS)
let poolNext = POOL_IDS
let lastMs = -Infinity
let counter = 0

function randomBytes16(): Uint8Array {
  if (poolNext === POOL_IDS) {
    randomFillSync(pool)
    poolNext = 0
  }
  const offset = 16 * poolNext++
  return pool.subarray(offset, offset + 16)
}

/** A time-ordered UUIDv7, the identifier of every entity. */
export function newId(): string {
  const random = randomBytes16()
  const now = Date.now()
  if (now > lastMs) {
    lastMs = now
    // 31 bits, as uuid seeds it: room for 2^31 ids before the counter runs out within a millisecond.
    counter = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9]
  } else {
    counter = (counter + 1) | 0
    if (counter === 0) lastMs++
  }
  return uuidv7({ random, msecs: lastMs, seq: counter })
}

/** A 6-digit person_id that never starts with 0 (SPEC section 1). */
export function newPersonId(): string {
  return String(randomInt(100_000, 1_000_000))
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function isUuid(value: string): boolean {
  return UUID_RE.test(value)
}
