import { loadConfig } from '@parley/platform/early'
import { commandEnv, defineCommand } from '../cli/command'
import { loadServices } from '../services'

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
    const config = loadConfig(commandEnv())
    const { buildServer, createPlatform } = await import('@parley/platform')
    const platform = await createPlatform(config)
    try {
      // @NOTE Building the auth service migrates its schema, which createTenant writes to.
      const [auth] = await loadServices(['auth'])
      await buildServer(platform, [auth!]).then((s) => s.app.close())
      const { createTenant } = await import('@parley/auth')
      const tenant = await createTenant(platform.db, slug!, values.name)
      io.out(`Tenant ${tenant.slug} created (${tenant.id}).`)
      return 0
    } finally {
      await platform.close()
    }
  },
})
