import type { KeyRing } from '@parley/auth/keys'
import { loadConfig } from '@parley/platform/early'

import { commandEnv, defineCommand } from '../cli/command'
import { openKeyStore } from './keys-store'

/** One line per key: which signs, and until when each older one still verifies. */
export function describeKeys(ring: KeyRing): string[] {
  return ring.list().map((k) => {
    const status = k.signs
      ? 'signs new tokens'
      : k.retiresAt
        ? `verifies until ${k.retiresAt.toISOString()}`
        : 'verifies'
    return `  ${k.kid}  created ${k.createdAt.toISOString()}  ${status}`
  })
}

export const keysListCommand = defineCommand({
  name: 'keys list',
  summary: 'show the stored signing keys and until when each verifies',
  usage: '',
  description: 'Keys in DATA_DIR/keys (embedded) or auth.signing_keys (DATABASE_URL); the JWKS serves these.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ io }) {
    const config = loadConfig(commandEnv())
    const store = await openKeyStore(config)
    try {
      const { KeyRing } = await import('@parley/auth/keys')
      const ring = new KeyRing(store.source, { accessTtlSeconds: config.jwt.accessTtl })
      await ring.reload()
      for (const line of describeKeys(ring)) io.out(line)
      return 0
    } finally {
      await store.close()
    }
  },
})
