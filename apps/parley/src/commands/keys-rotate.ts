import { loadConfig } from '@parley/platform/early'

import { commandEnv, defineCommand } from '../cli/command'
import { describeKeys } from './keys-list'
import { openKeyStore } from './keys-store'

export const keysRotateCommand = defineCommand({
  name: 'keys rotate',
  summary: 'add a new signing key; the previous one verifies until its tokens expire',
  usage: '',
  description: [
    'For keys Parley stores itself: DATA_DIR/keys (embedded) or the auth.signing_keys table (with',
    'DATABASE_URL). Running servers pick the new key up within a minute, without a restart, and',
    'nobody is signed out: the JWKS lists both keys until the last token signed by the previous',
    'one has expired (ACCESS_TOKEN_TTL after the switch, plus a margin), then that key is dropped.',
    'With JWT_PRIVATE_KEY set, rotate in the environment instead (README.md, "Rotating the signing key").',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ io }) {
    const config = loadConfig(commandEnv())
    const store = await openKeyStore(config)
    try {
      const { KeyRing, rotateSigningKey } = await import('@parley/auth/keys')
      const added = await rotateSigningKey(store.source)
      io.out(
        `Added signing key ${added.kid}; servers sign with it from their next key reload (within a minute).`,
      )
      const ring = new KeyRing(store.source, { accessTtlSeconds: config.jwt.accessTtl })
      await ring.reload()
      for (const line of describeKeys(ring)) io.out(line)
      return 0
    } finally {
      await store.close()
    }
  },
})
