import type { App, ServiceModule } from '@parley/platform'

import { avatarRoutes } from './avatar/avatar.routes'
import type { AuthContext } from './context'
import { migrations } from './db/migrations'
import { jwksRoutes } from './keys/jwks.routes'
import { KEY_RELOAD_MS, KeyRing, keySourceFor } from './keys/signing-keys'
import { oauthRoutes, providerRegistry } from './oauth'
import { dummyPasswordHash } from './passwords/password-hashing'
import { profileNamesConsumer } from './profile-names/profile-names.consumer'
import { RevocationPublisher } from './sessions/revocation-publisher'
import { deleteExpiredRevocations } from './sessions/sessions.repository'
import { sessionRoutes } from './sessions/sessions.routes'
import { loadRevocations } from './sessions/sessions.service'
import { ensureDefaultTenant } from './tenants/tenants.service'
import { accountRoutes } from './users/accounts.routes'
import { DEFAULT_TENANT } from './users/accounts.service'

export { migrations } from './db/migrations'
export { createTenant } from './tenants/tenants.service'

/**
 * The auth service (SPEC section 3): users and tenants, credentials, refresh-token families,
 * reset tokens, signing keys (JWKS) and avatars.
 */
export const authService: ServiceModule = {
  name: 'auth',
  schema: 'auth',
  migrations,
  async create(platform) {
    const { config, db } = platform
    const keys = new KeyRing(
      keySourceFor({
        privateKey: config.jwt.privateKey,
        verifyKeys: config.jwt.verifyKeys,
        dbUrl: config.db.url,
        dataDir: config.dataDir,
        db,
      }),
      { accessTtlSeconds: config.jwt.accessTtl },
    )
    await keys.reload()
    const log = platform.log.child({ name: 'auth' })
    const revocations = new RevocationPublisher(platform.revocations, log)
    const ctx: AuthContext = { platform, db, config, log, keys, revocations }
    platform.verifier.useLocalKeys(async () => {
      await keys.reload()
      return keys.jwks()
    })
    await ensureDefaultTenant(db, DEFAULT_TENANT)
    await deleteExpiredRevocations(db, new Date())
    const revoked = await loadRevocations(ctx)
    await dummyPasswordHash()
    ctx.log.info(
      {
        keySource: keys.kind,
        kid: keys.current().kid,
        revokedSessions: revoked,
        oauthProviders: config.oauth.providers.map((p) => p.name),
      },
      'auth service ready',
    )

    // @NOTE `parley keys rotate` (another process, or another node) adds keys to the files or the
    // database; picked up without a restart, and expired keys dropped, on this interval.
    const reloader =
      keys.kind !== 'env'
        ? setInterval(
            () => void keys.reload().catch((err) => ctx.log.warn({ err }, 'signing keys not reloaded')),
            KEY_RELOAD_MS,
          )
        : undefined
    reloader?.unref()
    const providers = providerRegistry(config)

    return {
      routes: async (app: App) => {
        await app.register(jwksRoutes(keys))
        await app.register(accountRoutes(ctx))
        await app.register(sessionRoutes(ctx))
        await app.register(avatarRoutes(ctx))
        await app.register(oauthRoutes(ctx, providers))
      },
      consumers: [profileNamesConsumer(ctx)],
      async close() {
        clearInterval(reloader)
        revocations.close()
      },
    }
  },
}
