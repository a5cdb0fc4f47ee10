import { describe, expect, it } from 'vitest'

import { isOpaqueToken, newOpaqueToken, openWith, sealFor, tokenHash } from './opaque-tokens'

describe('opaque tokens', () => {
  it('makes 256-bit url-safe tokens and hashes them with SHA-256', () => {
    const token = newOpaqueToken()
    expect(isOpaqueToken(token)).toBe(true)
    expect(newOpaqueToken()).not.toBe(token)
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{64}$/)
    expect(isOpaqueToken('short')).toBe(false)
  })

  it('opens a sealed box only with the token that sealed it', () => {
    const token = newOpaqueToken()
    const box = sealFor(token, '{"access":"a","refresh":"r"}')
    expect(box).not.toContain('refresh')
    expect(openWith(token, box)).toBe('{"access":"a","refresh":"r"}')
    expect(openWith(newOpaqueToken(), box)).toBeUndefined()
    // One flipped bit of the ciphertext. (Rewriting base64 characters could leave the bytes as
    // they were, about once in 256 runs, because the last character carries padding bits.)
    const [iv, tag, body] = box.split('.')
    const tampered = Buffer.from(body, 'base64url')
    tampered[tampered.length - 1] ^= 1
    expect(openWith(token, [iv, tag, tampered.toString('base64url')].join('.'))).toBeUndefined()
    expect(openWith(token, 'garbage')).toBeUndefined()
  })
})
