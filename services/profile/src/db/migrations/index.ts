import type { Migrations } from '@parley/platform'

import { createProfiles } from './20261122T010000Z-create-profiles'

export const migrations: Migrations = {
  '20261122T010000Z-create-profiles': createProfiles,
}
