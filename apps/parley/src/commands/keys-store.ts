import { join } from 'node:path'
import type { Config } from '@parley/platform/early'
import type { KeySource } from '@parley/auth/keys'
import { OperationalError } from '../cli/errors'
import { loadServices } from '../services'

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
  const { buildServer, createPlatform } = await import('@parley/platform')
  const platform = await createPlatform(config)
  try {
    // @NOTE Building the auth service migrates its schema (auth.signing_keys) on a fresh database.
    const [auth] = await loadServices(['auth'])
    await buildServer(platform, [auth!]).then((s) => s.app.close())
  } catch (err) {
    await platform.close()
    throw err
  }
  return { source: new DatabaseKeySource(platform.db), close: () => platform.close() }
}
