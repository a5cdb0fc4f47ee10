import type { ServiceModule } from '@parley/platform'

import { addressRoutes } from './addresses/addresses.routes'
import { cardRoutes } from './cards/cards.routes'
import { createProfileContext } from './context'
import { migrations } from './db/migrations'
import { accountEventsConsumer } from './profiles/profile.consumer'
import { profileRoutes } from './profiles/profile.routes'

/**
 * The profile service (SPEC section 4): the personal profile, addresses and payment cards,
 * kept in step with accounts through `user.registered` / `user.updated`.
 */
export const profileService: ServiceModule = {
  name: 'profile',
  schema: 'profile',
  migrations,
  create(platform) {
    const ctx = createProfileContext(platform)
    return {
      routes: async (app) => {
        await app.register(profileRoutes(ctx))
        await app.register(addressRoutes(ctx))
        await app.register(cardRoutes(ctx))
      },
      consumers: [accountEventsConsumer(ctx.log)],
    }
  },
}

export { createProfileContext, type ProfileContext } from './context'
export { migrations } from './db/migrations'
