import type { Config, Db, Logger, Platform } from '@parley/platform'

import type { KeyRing } from './keys/signing-keys'
import type { RevocationPublisher } from './sessions/revocation-publisher'

/** The few dependencies the auth service's domain code needs. */
export interface AuthContext {
  platform: Platform
  db: Db
  config: Config
  log: Logger
  keys: KeyRing
  revocations: RevocationPublisher
}
