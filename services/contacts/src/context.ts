import type { Db, EventBus, Logger, Platform } from '@parley/platform'

import { type ContactEvents, contactEvents } from './events'

/** The few dependencies the contacts service needs (STYLE.md: context.ts). */
export interface ContactsContext {
  db: Db
  /** `settle` makes a write answer once its events are handled everywhere (ADR 0012). */
  bus: EventBus
  events: ContactEvents
  log: Logger
  /** Whether route-level rate limits apply (RATE_LIMITS=on). */
  rateLimits: boolean
}

export function createContactsContext(platform: Platform): ContactsContext {
  return {
    db: platform.db,
    bus: platform.bus,
    events: contactEvents(platform.bus),
    log: platform.log.child({ name: 'contacts' }),
    rateLimits: platform.config.rateLimits,
  }
}
