import type { ServiceModule } from '@parley/platform'

import { blockRoutes } from './blocks/blocks.routes'
import { contactRoutes } from './contacts/contacts.routes'
import { createContactsContext } from './context'
import { createContacts } from './db/migrations/20261122T030000Z-create-contacts'
import { identityPresence } from './db/migrations/20261122T040000Z-identity-presence'
import { identityProfileNames } from './db/migrations/20261220T010000Z-identity-profile-names'
import { identityDiscoverable } from './db/migrations/20261230T010000Z-identity-discoverable'
import { SCHEMA } from './db/schema'
import { identityConsumer } from './identity/identity.consumer'
import { identityRoutes } from './identity/identity.routes'
import { presenceConsumer } from './identity/presence.consumer'
import { inviteRoutes } from './invites/invites.routes'

export const migrations = {
  '20261122T030000Z-create-contacts': createContacts,
  '20261122T040000Z-identity-presence': identityPresence,
  '20261220T010000Z-identity-profile-names': identityProfileNames,
  '20261230T010000Z-identity-discoverable': identityDiscoverable,
}

/**
 * The contacts service (SPEC section 5, seed 000's acac_ms): chat identities, person_id
 * search, invites, contacts with their room_id, blocks and room access.
 */
export const contactsService: ServiceModule = {
  name: 'contacts',
  schema: SCHEMA,
  migrations,
  create(platform) {
    const ctx = createContactsContext(platform)
    return {
      routes: async (app) => {
        await app.register(identityRoutes(ctx))
        await app.register(inviteRoutes(ctx))
        await app.register(contactRoutes(ctx))
        await app.register(blockRoutes(ctx))
      },
      consumers: [identityConsumer(ctx.log), presenceConsumer(ctx.log)],
    }
  },
}

export { type ContactsContext, createContactsContext } from './context'
