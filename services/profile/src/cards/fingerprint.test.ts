import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createLogger, loadConfig } from '@parley/platform'
import { afterEach, describe, expect, it } from 'vitest'

import { cardFingerprint, loadFingerprintKey } from './fingerprint'

const silent = createLogger({ level: 'silent' })

describe('loadFingerprintKey', () => {
  const dirs: string[] = []
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-fp-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('generates a 32-byte key once, mode 0600, and reuses it', () => {
    const config = loadConfig({ DATA_DIR: tempDir() })
    const first = loadFingerprintKey(config, silent)
    expect(first.length).toBe(32)
    expect(statSync(join(config.dataDir, 'secrets', 'card-fingerprint.key')).mode & 0o777).toBe(0o600)
    expect(loadFingerprintKey(config, silent).equals(first)).toBe(true)
    expect(loadFingerprintKey(loadConfig({ DATA_DIR: tempDir() }), silent).equals(first)).toBe(false)
  })

  it('prefers CARD_FINGERPRINT_KEY and then writes no file', () => {
    const secret = 'k'.repeat(40)
    const config = loadConfig({ DATA_DIR: tempDir(), CARD_FINGERPRINT_KEY: secret })
    expect(loadFingerprintKey(config, silent).toString('utf8')).toBe(secret)
    expect(() => statSync(join(config.dataDir, 'secrets', 'card-fingerprint.key'))).toThrow()
  })
})

describe('cardFingerprint', () => {
  it('is stable per key, and differs across keys and numbers', () => {
    const a = Buffer.alloc(32, 1)
    const b = Buffer.alloc(32, 2)
    const fp = cardFingerprint(a, '4242424242424242')
    expect(fp).toMatch(/^[0-9a-f]{64}$/)
    expect(cardFingerprint(a, '4242424242424242')).toBe(fp)
    expect(cardFingerprint(b, '4242424242424242')).not.toBe(fp)
    expect(cardFingerprint(a, '4000056655665556')).not.toBe(fp)
  })
})
