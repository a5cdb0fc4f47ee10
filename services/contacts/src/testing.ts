import { authService } from '@parley/auth'
import { type SignedUpUser, signUp, startTestServer, type TestServer, unique } from '@parley/platform/testing'
import { sql } from 'kysely'

import { contactsService } from './index'

/** The real app with auth (which issues tokens and user events) and contacts. */
export function startContactsServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer([authService, contactsService], env)
}

/** Registers a person through auth and waits until its user event reached the contacts projection. */
export async function newPerson(t: TestServer, fields: { tenant?: string } = {}): Promise<SignedUpUser> {
  const user = await signUp(t.url, { username: unique('p'), ...fields })
  await t.platform.bus.drain()
  return user
}

/** A tenant slug nobody used yet (registering with it creates the tenant). */
export function newTenantSlug(): string {
  return unique('t')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 30)
}

/** A row of a list answer as tests read it (bodies are JSON). */
export interface Row {
  id: string
  status: string
  room_id: string
  sender: { user_id: string; username: string }
  contact: { user_id: string; username: string }
  blocked: { user_id: string; username: string }
}

/** The payload of an event this service publishes (the fields tests look at are typed). */
export interface EventPayload {
  [field: string]: unknown
  room_id?: string | null
  users?: Array<{ user_id: string; person_id: string; username: string | null }>
}

/** Events this service wrote to its outbox, oldest first. */
export async function outboxEvents(
  t: TestServer,
  type?: string,
): Promise<Array<{ type: string; payload: EventPayload }>> {
  const { rows } = await sql<{
    type: string
    payload: EventPayload
  }>`select type, payload from contacts.outbox
    where ${type ? sql`type = ${type}` : sql`true`} order by seq`.execute(t.platform.db)
  return rows
}
