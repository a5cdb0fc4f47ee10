import { join } from 'node:path'

import type { KeySource } from '@parley/auth/keys'
import type { Config } from '@parley/platform/early'

import { OperationalError } from '../cli/errors'
import { openPlatform } from '../cli/open-platform'

/**
 * The stored keys this configuration uses (`DATA_DIR/keys`, or `auth.signing_keys` with
 * DATABASE_URL), for `parley keys rotate` and `parley keys list`. Environment keys are not stored.
 */
export async function openKeyStore(config: Config): Promise<{ source: KeySource; close(): Promise<void> }> {
  if (config.jwt.privateKey) {
    throw new OperationalError(
      'JWT_PRIVATE_KEY is set, so the signing keys come from the environment: rotate them there (README.md, "Rotating the signing key").',
    )
  }
  const { DatabaseKeySource, FileKeySource } = await import('@parley/auth/keys')
  // @NOTE Embedded: plain files, so this works while the server runs (it holds the database, not these).
  if (!config.db.url)
    return { source: new FileKeySource(join(config.dataDir, 'keys')), close: async () => {} }
  // @NOTE With the auth schema migrated: auth.signing_keys exists even on a fresh database.
  const platform = await openPlatform(config, ['auth'])
  return { source: new DatabaseKeySource(platform.db), close: () => platform.close() }
}
