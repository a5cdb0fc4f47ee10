import type { Migrations } from '@parley/platform'

import { createAuthTables } from './20261122T010000Z-create-auth-tables'
import { createOAuthTables } from './20261210T010000Z-create-oauth-tables'
import { profileNames } from './20261220T010000Z-profile-names'

/** The auth schema's migrations, applied in name order. */
export const migrations: Migrations = {
  '20261122T010000Z-create-auth-tables': createAuthTables,
  '20261210T010000Z-create-oauth-tables': createOAuthTables,
  '20261220T010000Z-profile-names': profileNames,
}
