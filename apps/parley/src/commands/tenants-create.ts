import { loadConfig } from '@parley/platform/early'

import { commandEnv, defineCommand } from '../cli/command'
import { openPlatform } from '../cli/open-platform'

export const tenantsCreateCommand = defineCommand({
  name: 'tenants create',
  summary: 'create a tenant (for TENANT_SIGNUP=closed)',
  usage: '<slug>',
  description: [
    'The slug is what people type to sign in to the tenant: 1-63 lowercase letters, digits and',
    'hyphens. On an embedded install, stop the server first (it holds DATA_DIR).',
  ].join('\n'),
  options: {
    name: { type: 'string', description: 'display name (default: the slug)', valueName: 'name' },
  },
  positionals: { min: 1, max: 1 },
  async run({ positionals: [slug], values, io }) {
    const platform = await openPlatform(loadConfig(commandEnv()), ['auth'])
    try {
      const { createTenant } = await import('@parley/auth')
      const tenant = await createTenant(platform.db, slug, values.name)
      io.out(`Tenant ${tenant.slug} created (${tenant.id}).`)
      return 0
    } finally {
      await platform.close()
    }
  },
})
