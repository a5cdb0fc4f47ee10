import type { ServiceModule } from '@parley/platform'

/**
 * The auth service (SPEC section 3): users, credentials, refresh-token families, reset tokens,
 * signing keys and avatars.
 */
export const authService: ServiceModule = {
  name: 'auth',
  schema: 'auth',
  migrations: {},
  create() {
    return { routes: async () => {} }
  },
}
