import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'

/** A fresh opaque secret (refresh or reset token): 256 random bits, base64url. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url')
}

/** What is stored instead of the token: its SHA-256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** True for a string shaped like {@link newOpaqueToken}'s output (cheap pre-check before a query). */
export function isOpaqueToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value)
}

// @NOTE A key derived from the token itself (domain-separated from the stored hash), so the
// database alone can never open the box: only someone presenting the old token can.
function boxKey(token: string): Buffer {
  return createHmac('sha256', 'parley/refresh-grace/v1').update(token, 'utf8').digest()
}

/** Encrypts `value` (AES-256-GCM) under a key only `token` can derive. */
export function sealFor(token: string, value: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', boxKey(token), iv)
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')
}

/** Opens a {@link sealFor} box with the token; undefined when it does not open. */
export function openWith(token: string, box: string): string | undefined {
  try {
    const [iv, tag, body] = box.split('.').map((p) => Buffer.from(p, 'base64url'))
    const decipher = createDecipheriv('aes-256-gcm', boxKey(token), iv)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}
