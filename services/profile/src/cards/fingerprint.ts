import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import type { Config, Logger } from '@parley/platform'

/**
 * The key for card fingerprints: `CARD_FINGERPRINT_KEY` when set, otherwise a 32-byte secret
 * generated once and kept in `${DATA_DIR}/secrets/card-fingerprint.key` (mode 0600), so that
 * fingerprints, and with them duplicate detection, survive restarts.
 */
export function loadFingerprintKey(config: Config, log: Logger): Buffer {
  if (config.secrets.cardFingerprintKey) return Buffer.from(config.secrets.cardFingerprintKey, 'utf8')
  if (config.db.url) {
    // @NOTE Nodes with different data directories would each make their own key and miss duplicates.
    log.warn(
      'CARD_FINGERPRINT_KEY is not set; using a key from the local data directory (set it when several nodes share a database)',
    )
  }
  const dir = join(config.dataDir, 'secrets')
  const path = join(dir, 'card-fingerprint.key')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  try {
    // 'wx' fails if the file exists, so two processes starting at once never overwrite each other's key.
    writeFileSync(path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  chmodSync(path, 0o600)
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
  if (key.length < 32)
    throw new Error(
      `The card fingerprint key in ${path} is shorter than 32 bytes; remove it to make a new one.`,
    )
  return key
}

/** HMAC-SHA256 of the digits: equal cards match without the number being recoverable. */
export function cardFingerprint(key: Buffer, digits: string): string {
  return createHmac('sha256', key).update(digits, 'utf8').digest('hex')
}
