import { type Principal, transaction } from '@parley/platform'

import type { ContactsContext } from '../context'
import { contactNotFound } from '../errors'
import { findIdentityByPersonId } from '../identity/identity.repository'
import type { ListOptions } from '../shared/lists'
import { lockPair } from '../shared/pair-lock'
import { deleteContact, findContactBetween, isRoomMember, listContacts } from './contacts.repository'

export function listMyContacts(ctx: ContactsContext, principal: Principal, options: ListOptions) {
  return listContacts(ctx.db, principal.tenantId, principal.userId, options)
}

/** Ends a contact for both people; the chat service makes their conversation read-only on `contact.removed`. */
export function removeContact(ctx: ContactsContext, principal: Principal, personId: string): Promise<void> {
  return ctx.bus.settle(() =>
    transaction(ctx.db, async (tx) => {
      const other = await findIdentityByPersonId(tx.db, principal.tenantId, personId)
      if (!other || other.userId === principal.userId) throw contactNotFound(personId)
      await lockPair(tx, principal.tenantId, principal.userId, other.userId)
      const contact = await findContactBetween(tx.db, principal.tenantId, principal.userId, other.userId)
      if (!contact) throw contactNotFound(personId)
      await deleteContact(tx.db, contact.roomId)
      await ctx.events.removed(tx, principal.tenantId, {
        roomId: contact.roomId,
        userIds: [principal.userId, other.userId],
      })
      ctx.log.info({ roomId: contact.roomId }, 'contact removed')
    }),
  )
}

/** Seed 000's room check: a room is a contact's direct conversation, open to its two people only. */
export function checkRoomAccess(
  ctx: ContactsContext,
  principal: Principal,
  roomId: string,
): Promise<boolean> {
  return isRoomMember(ctx.db, principal.tenantId, principal.userId, roomId)
}
