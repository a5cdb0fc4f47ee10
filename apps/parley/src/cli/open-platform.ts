import type { Platform } from '@parley/platform'
import type { Config } from '@parley/platform/early'

import { loadServices, type ServiceName } from '../services'

/**
 * The platform (database, bus, storage) for a one-shot command, with these services' schemas
 * migrated, but no HTTP listener. Close it when done: `await platform.close()`.
 *
 * @example const platform = await openPlatform(loadConfig(commandEnv()), ['auth'])
 */
export async function openPlatform(config: Config, services: readonly ServiceName[]): Promise<Platform> {
  const { buildServer, createPlatform } = await import('@parley/platform')
  const platform = await createPlatform(config)
  try {
    // @NOTE Building the services migrates their schemas; the app is closed at once.
    const modules = await loadServices(services)
    await buildServer(platform, modules).then((s) => s.app.close())
    return platform
  } catch (err) {
    await platform.close()
    throw err
  }
}
