import type { Db, EventBus, Logger, Platform } from '@parley/platform'

import { loadFingerprintKey } from './cards/fingerprint'

/** What the profile service depends on. */
export interface ProfileContext {
  db: Db
  /** Publishes `profile.updated` (names and status) for the other services' projections. */
  bus: EventBus
  log: Logger
  fingerprintKey: Buffer
  /** The current time; a seam for expiry and birth-date rules. */
  now(): Date
}

export function createProfileContext(platform: Platform): ProfileContext {
  const log = platform.log.child({ name: 'profile' })
  return {
    db: platform.db,
    bus: platform.bus,
    log,
    fingerprintKey: loadFingerprintKey(platform.config, log),
    now: () => new Date(),
  }
}
