import type { OAuthProviderConfig } from '@parley/platform'

import type { OAuthLinkRow } from './oauth.repository'

/** A configured provider as the web client's buttons need it (never its client id or secret). */
export function presentProvider(config: OAuthProviderConfig) {
  return {
    name: config.name,
    display_name: config.displayName,
    type: config.type,
    start_url: `/api/auth/oauth/${config.name}/start/`,
  }
}

/** A linked provider of the signed-in user. The provider's subject id stays on the server. */
export function presentLink(row: OAuthLinkRow, config: OAuthProviderConfig | undefined) {
  return {
    provider: row.provider,
    display_name: config?.displayName ?? row.provider,
    email: row.email,
    created_at: new Date(row.created_at).toISOString(),
    last_used_at: new Date(row.last_used_at).toISOString(),
  }
}
