import type { Migrations } from '@parley/platform'
import { createAuthTables } from './20261122T010000Z-create-auth-tables'

/** The auth schema's migrations, applied in name order. */
export const migrations: Migrations = {
  '20261122T010000Z-create-auth-tables': createAuthTables,
}
