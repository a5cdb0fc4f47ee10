import { newId, type Principal, transaction, type Tx } from '@parley/platform'

import { blocksBetween } from '../blocks/blocks.repository'
import { findContactBetween, insertContact } from '../contacts/contacts.repository'
import type { ContactsContext } from '../context'
import {
  alreadyContacts,
  cannotInviteSelf,
  inviteNotFound,
  inviteNotPending,
  invitePending,
  personNotFound,
  youBlockedThem,
} from '../errors'
import { findIdentityById, type Identity } from '../identity/identity.repository'
import { awaitPersonIfMissing, ensureIdentity, findVisiblePerson } from '../identity/identity.service'
import type { ListOptions } from '../shared/lists'
import { lockPair, retryOnUniqueViolation } from '../shared/pair-lock'
import type { InviteView } from './invites.presenter'
import {
  closePendingInvite,
  deleteRejectedInvite,
  findInvite,
  findPendingBetween,
  insertInvite,
  type Invite,
  type InviteStatus,
  listInvites,
} from './invites.repository'

/**
 * Invites `personId`. When that person has already invited the caller, the caller's invite
 * is their answer: their invite is accepted instead, so two people inviting each other (even
 * at the same instant) end as one contact. `created` tells which of the two happened.
 */
export async function sendInvite(
  ctx: ContactsContext,
  principal: Principal,
  personId: string,
): Promise<{ created: boolean; view: InviteView }> {
  await awaitPersonIfMissing(ctx, principal.tenantId, personId)
  return ctx.bus.settle(() =>
    retryOnUniqueViolation(() =>
      transaction(ctx.db, async (tx) => {
        const me = await ensureIdentity(tx.db, principal)
        const other = await findVisiblePerson(tx.db, principal, personId)
        if (other.userId === me.userId) throw cannotInviteSelf()
        await lockPair(tx, principal.tenantId, me.userId, other.userId)

        const blocks = await blocksBetween(tx.db, me.userId, other.userId)
        if (blocks.theyBlocked) throw personNotFound(personId)
        if (blocks.iBlocked) throw youBlockedThem()
        // @NOTE Pending invites are read before contacts: accepting closes the invite and creates the
        // contact in one commit, so this order can never see neither.
        const pending = await findPendingBetween(tx.db, principal.tenantId, me.userId, other.userId)
        if (pending?.senderId === me.userId) throw invitePending(pending.id)
        if (pending) {
          const invite = await acceptPending(ctx, tx, pending, other, me)
          return { created: false, view: { invite, sender: other, recipient: me } }
        }
        if (await findContactBetween(tx.db, principal.tenantId, me.userId, other.userId))
          throw alreadyContacts()

        const invite = await insertInvite(tx.db, {
          id: newId(),
          tenantId: principal.tenantId,
          senderId: me.userId,
          recipientId: other.userId,
        })
        await ctx.events.inviteChanged(tx, { invite, sender: me, recipient: other })
        ctx.log.info({ inviteId: invite.id, senderId: me.userId, recipientId: other.userId }, 'invite sent')
        return { created: true, view: { invite, sender: me, recipient: other } }
      }),
    ),
  )
}

/** Accepts or rejects an invite addressed to the caller; anyone else's invite is a 404. */
export function answerInvite(
  ctx: ContactsContext,
  principal: Principal,
  inviteId: string,
  accept: boolean,
): Promise<InviteView> {
  return ctx.bus.settle(() =>
    retryOnUniqueViolation(() =>
      transaction(ctx.db, async (tx) => {
        const me = await ensureIdentity(tx.db, principal)
        const seen = await findInvite(tx.db, principal.tenantId, inviteId)
        if (!seen || seen.recipientId !== me.userId) throw inviteNotFound(inviteId)
        await lockPair(tx, principal.tenantId, seen.senderId, me.userId)
        // Read again under the lock: the sender may have cancelled it, or a block ended it, meanwhile.
        const invite = await findInvite(tx.db, principal.tenantId, inviteId)
        if (!invite) throw inviteNotFound(inviteId)
        const sender = await identityOf(tx, invite.senderId)
        const wanted: InviteStatus = accept ? 'accepted' : 'rejected'
        if (invite.status !== 'pending') {
          // @NOTE Repeating the same answer (a retried request) is harmless and answers the same.
          if (invite.status === wanted) return { invite, sender, recipient: me }
          throw inviteNotPending(invite.id, invite.status)
        }
        const answered = accept
          ? await acceptPending(ctx, tx, invite, sender, me)
          : await closeOrFail(tx, invite, 'rejected')
        if (!accept) await ctx.events.inviteChanged(tx, { invite: answered, sender, recipient: me })
        ctx.log.info({ inviteId, status: answered.status }, 'invite answered')
        return { invite: answered, sender, recipient: me }
      }),
    ),
  )
}

/** Cancels one of the caller's pending invites; anyone else's (or a cancelled one) is a 404. */
export function cancelInvite(ctx: ContactsContext, principal: Principal, inviteId: string): Promise<void> {
  return ctx.bus.settle(() =>
    transaction(ctx.db, async (tx) => {
      const seen = await findInvite(tx.db, principal.tenantId, inviteId)
      if (!seen || seen.senderId !== principal.userId) throw inviteNotFound(inviteId)
      await lockPair(tx, principal.tenantId, principal.userId, seen.recipientId)
      const invite = await findInvite(tx.db, principal.tenantId, inviteId)
      if (!invite || invite.status === 'cancelled') throw inviteNotFound(inviteId)
      const cancelled = await closeOrFail(tx, invite, 'cancelled')
      const [sender, recipient] = await Promise.all([
        identityOf(tx, invite.senderId),
        identityOf(tx, invite.recipientId),
      ])
      await ctx.events.inviteChanged(tx, { invite: cancelled, sender, recipient, reason: 'sender' })
    }),
  )
}

/** Deletes one of the caller's sent invites that was rejected (clears it from that list). */
export async function deleteRejected(
  ctx: ContactsContext,
  principal: Principal,
  inviteId: string,
): Promise<void> {
  if (!(await deleteRejectedInvite(ctx.db, principal.tenantId, inviteId, principal.userId)))
    throw inviteNotFound(inviteId)
}

export function receivedInvites(ctx: ContactsContext, principal: Principal, options: ListOptions) {
  return listInvites(
    ctx.db,
    { tenantId: principal.tenantId, userId: principal.userId, role: 'recipient', status: 'pending' },
    options,
  )
}

export function sentInvites(ctx: ContactsContext, principal: Principal, options: ListOptions) {
  return listInvites(
    ctx.db,
    { tenantId: principal.tenantId, userId: principal.userId, role: 'sender', status: 'pending' },
    options,
  )
}

export function rejectedInvites(ctx: ContactsContext, principal: Principal, options: ListOptions) {
  return listInvites(
    ctx.db,
    { tenantId: principal.tenantId, userId: principal.userId, role: 'sender', status: 'rejected' },
    options,
  )
}

/**
 * Accepts a pending invite (the caller holds the pair lock): the contact gets a new room id,
 * which the chat service turns into their direct conversation on `contact.accepted`.
 */
async function acceptPending(
  ctx: ContactsContext,
  tx: Tx,
  invite: Invite,
  sender: Identity,
  recipient: Identity,
) {
  const roomId = newId()
  const accepted = await closeOrFail(tx, invite, 'accepted', roomId)
  await insertContact(tx.db, {
    roomId,
    tenantId: invite.tenantId,
    userA: sender.userId,
    userB: recipient.userId,
    inviteId: invite.id,
  })
  await ctx.events.inviteChanged(tx, { invite: accepted, sender, recipient })
  await ctx.events.accepted(tx, invite.tenantId, { roomId, inviteId: invite.id, sender, recipient })
  return accepted
}

async function closeOrFail(
  tx: Tx,
  invite: Invite,
  status: Exclude<InviteStatus, 'pending'>,
  roomId: string | null = null,
) {
  const closed = await closePendingInvite(tx.db, invite.id, status, roomId)
  if (!closed) {
    const now = await findInvite(tx.db, invite.tenantId, invite.id)
    throw inviteNotPending(invite.id, now?.status ?? 'gone')
  }
  return closed
}

async function identityOf(tx: Tx, userId: string): Promise<Identity> {
  const identity = await findIdentityById(tx.db, userId)
  if (!identity) throw new Error(`identity ${userId} is missing although an invite references it`)
  return identity
}
