import type { Db, Principal } from '@parley/platform'

import { blocksBetween } from '../blocks/blocks.repository'
import { findContactBetween } from '../contacts/contacts.repository'
import type { ContactsContext } from '../context'
import { personNotFound } from '../errors'
import { findPendingBetween } from '../invites/invites.repository'
import { IDENTITY_CONSUMER } from './identity.consumer'
import type { SearchHit } from './identity.presenter'
import {
  findIdentityById,
  findIdentityByPersonId,
  type Identity,
  insertIdentityIfMissing,
  searchPeopleByName,
  updateIdentityChatFields,
} from './identity.repository'
import type { UpdateProfileInput } from './identity.schema'

/**
 * The caller's identity, created on first access from the token (SPEC section 5). Auth's
 * user events fill in username, email and avatar whenever they arrive, before or after.
 */
export async function ensureIdentity(db: Db, principal: Principal): Promise<Identity> {
  const found = await findIdentityById(db, principal.userId)
  if (found) return found
  await insertIdentityIfMissing(db, principal)
  const created = await findIdentityById(db, principal.userId)
  if (!created)
    throw new Error(`identity of ${principal.userId} could not be created (person_id taken in its tenant?)`)
  return created
}

/**
 * Read-your-writes for a lookup that missed (ADR 0012): someone who registered a moment ago may
 * still be on the way to this projection (register waits for it, but only up to its bound), so
 * wait, bounded, until it has handled everything published so far. Misses only: a person found
 * costs nothing more.
 */
export async function awaitPersonIfMissing(
  ctx: ContactsContext,
  tenantId: string,
  personId: string,
): Promise<void> {
  if (await findIdentityByPersonId(ctx.db, tenantId, personId)) return
  await ctx.bus.caughtUp(IDENTITY_CONSUMER)
}

/**
 * Finds a person of the caller's tenant by person_id. Someone who blocked the caller is
 * reported exactly like nobody, so a block is never revealed.
 */
export async function findVisiblePerson(db: Db, me: Principal, personId: string): Promise<Identity> {
  const person = await findIdentityByPersonId(db, me.tenantId, personId)
  if (!person) throw personNotFound(personId)
  if (person.userId !== me.userId && (await blocksBetween(db, me.userId, person.userId)).theyBlocked) {
    throw personNotFound(personId)
  }
  return person
}

/** My identity; when auth's snapshot of me has not arrived yet, first wait (bounded) for it. */
export async function getProfile(ctx: ContactsContext, principal: Principal): Promise<Identity> {
  const found = await findIdentityById(ctx.db, principal.userId)
  if (found?.username) return found
  await ctx.bus.caughtUp(IDENTITY_CONSUMER)
  return ensureIdentity(ctx.db, principal)
}

export async function updateProfile(
  ctx: ContactsContext,
  principal: Principal,
  input: UpdateProfileInput,
): Promise<Identity> {
  await ensureIdentity(ctx.db, principal)
  return updateIdentityChatFields(ctx.db, principal.userId, input)
}

/**
 * People search by name or username within the caller's tenant: discoverable people only (the
 * others are still found by person_id), never someone who blocked the caller; each hit with how
 * the caller relates to them, as the person_id search answers.
 */
export async function searchPeople(
  ctx: ContactsContext,
  principal: Principal,
  search: string,
  page: { limit: number; offset: number },
): Promise<{ count: number; hits: SearchHit[] }> {
  await ensureIdentity(ctx.db, principal)
  const { count, rows } = await searchPeopleByName(ctx.db, principal.tenantId, principal.userId, search, page)
  const hits = await Promise.all(rows.map((person) => relationshipTo(ctx, principal, person)))
  return { count, hits }
}

/** Person search by person_id, with how the caller already relates to the person found. */
export async function searchPerson(
  ctx: ContactsContext,
  principal: Principal,
  personId: string,
): Promise<SearchHit> {
  await ensureIdentity(ctx.db, principal)
  await awaitPersonIfMissing(ctx, principal.tenantId, personId)
  const person = await findVisiblePerson(ctx.db, principal, personId)
  return relationshipTo(ctx, principal, person)
}

async function relationshipTo(
  ctx: ContactsContext,
  principal: Principal,
  person: Identity,
): Promise<SearchHit> {
  if (person.userId === principal.userId)
    return { person, relationship: 'self', inviteId: null, roomId: null }
  const [contact, invite, blocks] = await Promise.all([
    findContactBetween(ctx.db, principal.tenantId, principal.userId, person.userId),
    findPendingBetween(ctx.db, principal.tenantId, principal.userId, person.userId),
    blocksBetween(ctx.db, principal.userId, person.userId),
  ])
  const relationship = contact
    ? 'contact'
    : blocks.iBlocked
      ? 'blocked'
      : invite
        ? invite.senderId === principal.userId
          ? 'invite_sent'
          : 'invite_received'
        : 'none'
  return { person, relationship, inviteId: invite?.id ?? null, roomId: contact?.roomId ?? null }
}
