import { type Consumer, type DomainEvent, transaction } from '@parley/platform'
import type { SignedUpUser, TestServer } from '@parley/platform/testing'

/** Integration-test helpers shared by this service's *.int.test.ts files. */

/** A `user.updated`-style snapshot of a signed-up user, with some fields changed. */
export function accountPayload(user: SignedUpUser, changes: Record<string, unknown> = {}) {
  return {
    user_id: user.id,
    tenant_id: user.tenant_id,
    person_id: user.person_id,
    email: user.email,
    username: user.username,
    first_name: '',
    last_name: '',
    avatar_url: null,
    ...changes,
  }
}

/** Publishes an account event through the real bus (as auth would) and waits until it is delivered. */
export async function publishAccountEvent(
  t: TestServer,
  type: 'user.registered' | 'user.updated',
  payload: ReturnType<typeof accountPayload>,
) {
  await transaction(t.platform.db, (tx) =>
    t.platform.bus.publish(tx, 'auth', { type, tenantId: payload.tenant_id, payload }),
  )
  await t.platform.bus.drain()
}

export function profileConsumer(t: TestServer): Consumer {
  const consumer = t.server.services.flatMap((s) => s.consumers ?? []).find((c) => c.name === 'profile.users')
  if (!consumer) throw new Error('profile.users consumer is not registered')
  return consumer
}

export function accountEvent(
  id: string,
  payload: ReturnType<typeof accountPayload>,
  occurredAt = new Date(),
): DomainEvent<ReturnType<typeof accountPayload>> {
  return {
    id,
    type: 'user.updated',
    tenantId: payload.tenant_id,
    occurredAt: occurredAt.toISOString(),
    payload,
  }
}

/** Appends the Luhn check digit to `body`. */
export function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = body + d
    let sum = 0
    for (let i = 0; i < candidate.length; i++) {
      let n = Number(candidate[candidate.length - 1 - i])
      if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2
      sum += n
    }
    if (sum % 10 === 0) return candidate
  }
  throw new Error('unreachable')
}
