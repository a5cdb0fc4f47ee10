import type { Config } from '@parley/platform'

import type { ProviderRegistry } from './oauth.service'
import { ProviderClient } from './provider-clients'

export { oauthRoutes } from './oauth.routes'
export type { ProviderRegistry } from './oauth.service'

/** One client per configured provider; discovery happens on first use, so a provider that is down does not stop the start. */
export function providerRegistry(config: Config): ProviderRegistry {
  return new Map(
    config.oauth.providers.map((p) => [
      p.name,
      new ProviderClient(p, `${config.http.publicUrl}/api/auth/oauth/${p.name}/callback/`),
    ]),
  )
}
