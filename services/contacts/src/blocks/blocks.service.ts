import { type Principal, transaction } from '@parley/platform'

import { deleteContact, findContactBetween } from '../contacts/contacts.repository'
import type { ContactsContext } from '../context'
import { blockNotFound, cannotBlockSelf } from '../errors'
import { findIdentityByPersonId, type Identity } from '../identity/identity.repository'
import { awaitPersonIfMissing, ensureIdentity, findVisiblePerson } from '../identity/identity.service'
import { cancelPendingBetween } from '../invites/invites.repository'
import type { ListOptions } from '../shared/lists'
import { lockPair, retryOnUniqueViolation } from '../shared/pair-lock'
import { type Block, deleteBlock, findBlock, insertBlock, listBlocks } from './blocks.repository'

/**
 * Blocks a person: their contact ends (`contact.removed`), invites pending between the two are
 * cancelled, and from then on they cannot find or invite the caller (`user.blocked`).
 * Blocking someone already blocked changes nothing (`created: false`).
 */
export async function blockPerson(
  ctx: ContactsContext,
  principal: Principal,
  personId: string,
): Promise<{ created: boolean; block: Block; blocked: Identity }> {
  await awaitPersonIfMissing(ctx, principal.tenantId, personId)
  return ctx.bus.settle(() =>
    retryOnUniqueViolation(() =>
      transaction(ctx.db, async (tx) => {
        const me = await ensureIdentity(tx.db, principal)
        const other = await findVisiblePerson(tx.db, principal, personId)
        if (other.userId === me.userId) throw cannotBlockSelf()
        await lockPair(tx, principal.tenantId, me.userId, other.userId)
        const existing = await findBlock(tx.db, me.userId, other.userId)
        if (existing) return { created: false, block: existing, blocked: other }

        const contact = await findContactBetween(tx.db, principal.tenantId, me.userId, other.userId)
        if (contact) {
          await deleteContact(tx.db, contact.roomId)
          await ctx.events.removed(tx, principal.tenantId, {
            roomId: contact.roomId,
            userIds: [me.userId, other.userId],
          })
        }
        for (const invite of await cancelPendingBetween(tx.db, principal.tenantId, me.userId, other.userId)) {
          const [sender, recipient] = invite.senderId === me.userId ? [me, other] : [other, me]
          await ctx.events.inviteChanged(tx, { invite, sender, recipient, reason: 'blocked' })
        }
        const block = await insertBlock(tx.db, {
          blockerId: me.userId,
          blockedId: other.userId,
          tenantId: principal.tenantId,
        })
        await ctx.events.blocked(tx, principal.tenantId, {
          blockerId: me.userId,
          blockedId: other.userId,
          roomId: contact?.roomId ?? null,
        })
        ctx.log.info({ blockerId: me.userId, blockedId: other.userId }, 'user blocked')
        return { created: true, block, blocked: other }
      }),
    ),
  )
}

/** Lifts the caller's block; the former contact is not restored (they may invite again). */
export function unblockPerson(ctx: ContactsContext, principal: Principal, personId: string): Promise<void> {
  return ctx.bus.settle(() =>
    transaction(ctx.db, async (tx) => {
      const other = await findIdentityByPersonId(tx.db, principal.tenantId, personId)
      if (!other) throw blockNotFound(personId)
      await lockPair(tx, principal.tenantId, principal.userId, other.userId)
      if (!(await deleteBlock(tx.db, principal.userId, other.userId))) throw blockNotFound(personId)
      await ctx.events.unblocked(tx, principal.tenantId, {
        blockerId: principal.userId,
        blockedId: other.userId,
      })
    }),
  )
}

export function listMyBlocks(ctx: ContactsContext, principal: Principal, options: ListOptions) {
  return listBlocks(ctx.db, principal.tenantId, principal.userId, options)
}
