import type { Consumer, DomainEvent, Logger, Tx } from '@parley/platform'
import { z } from 'zod'
import { upsertFromAccount } from './profile.repository'

/** `user.registered` / `user.updated` payload (docs/PLATFORM.md, event contracts). */
const AccountEventSchema = z.object({
  user_id: z.uuid(),
  tenant_id: z.uuid(),
  person_id: z.string().regex(/^[1-9]\d{5}$/),
  email: z.string().nullish(),
  username: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  avatar_url: z.string().nullish(),
})

const blankToNull = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null)

/**
 * Keeps profiles in step with accounts. An event may come before or after the user first opens
 * their profile, so it upserts; the bus's inbox makes a redelivered event a no-op.
 */
export function accountEventsConsumer(log: Logger): Consumer {
  return {
    name: 'profile.users',
    schema: 'profile',
    types: ['user.registered', 'user.updated'],
    async handle(event: DomainEvent, tx: Tx) {
      const parsed = AccountEventSchema.safeParse(event.payload)
      if (!parsed.success) {
        // @NOTE A malformed event can never succeed; retrying it would only hold back the events behind it.
        log.error({ eventId: event.id, type: event.type, issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'ignoring malformed account event')
        return
      }
      const p = parsed.data
      await upsertFromAccount(tx.db, {
        userId: p.user_id,
        tenantId: p.tenant_id,
        personId: p.person_id,
        email: blankToNull(p.email),
        username: blankToNull(p.username),
        firstName: blankToNull(p.first_name),
        lastName: blankToNull(p.last_name),
        avatarUrl: blankToNull(p.avatar_url),
        occurredAt: event.occurredAt,
      })
    },
  }
}
