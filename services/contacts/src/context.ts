import type { Db, Logger, Platform } from '@parley/platform'
import { contactEvents, type ContactEvents } from './events'

/** The few dependencies the contacts service needs (STYLE.md: context.ts). */
export interface ContactsContext {
  db: Db
  events: ContactEvents
  log: Logger
  /** Whether route-level rate limits apply (RATE_LIMITS=on). */
  rateLimits: boolean
}

export function createContactsContext(platform: Platform): ContactsContext {
  return {
    db: platform.db,
    events: contactEvents(platform.bus),
    log: platform.log.child({ name: 'contacts' }),
    rateLimits: platform.config.rateLimits,
  }
}
