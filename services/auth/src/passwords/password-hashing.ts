import { randomBytes } from 'node:crypto'

import { hash, type Options, verify } from '@node-rs/argon2'

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first configuration:
 * m=19456 KiB (19 MiB), t=2, p=1.
 */
export const ARGON2_OPTIONS: Options = {
  // @NOTE Algorithm is an ambient const enum (not usable with isolatedModules); 2 is Argon2id.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
}

/** Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

/** True when `password` matches the PHC hash; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * A hash of a random password with the same parameters, so that an unknown email costs the
 * same argon2 verification as a wrong password (SPEC section 3: same answer and timing).
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url'))
  return dummyHash
}

/** Spends one verification against the dummy hash; always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(await dummyPasswordHash(), password)
  return false
}
