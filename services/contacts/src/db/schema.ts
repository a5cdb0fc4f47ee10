/**
 * The schema that holds every contacts table, its outbox and its inbox.
 * @NOTE A leaf module on purpose: repositories, consumers, events and the context all need it, and
 * importing it from any of them made a value import cycle (context → events → repository → context).
 */
export const SCHEMA = 'contacts'
