import type { ContactAcceptedPayload, ContactRemovedPayload, UserBlockPayload } from '@parley/contracts'
import type { Consumer, Tx } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import type { Executor } from '../db/rows'
import { ensureDirect, sortedPair } from '../conversations/conversations.service'
import { recordChanges } from '../sync/changes'

/**
 * Direct conversations follow the contact graph: `contact.accepted` creates one (id = room_id),
 * `contact.removed` and a block make it read-only, an unblock makes it writable again only
 * while the two are still contacts and neither blocks the other.
 */
export function contactsConsumer(ctx: ChatContext): Consumer {
  return {
    name: 'chat.contacts',
    schema: 'chat',
    types: ['contact.accepted', 'contact.removed', 'user.blocked', 'user.unblocked'],
    async handle(event, tx) {
      const db = tx.db
      if (event.type === 'contact.accepted') {
        const p = event.payload as unknown as ContactAcceptedPayload
        const ids = (p.users ?? []).map((u) => u.user_id)
        if (ids.length !== 2 || !p.room_id) return
        const [a, b] = sortedPair(ids[0], ids[1])
        await sql`insert into chat.contacts (user_a, user_b, room_id) values (${a}, ${b}, ${p.room_id})
          on conflict (user_a, user_b) do update set room_id = excluded.room_id`.execute(db)
        for (const u of p.users) {
          await sql`insert into chat.users (id, tenant_id, person_id, username, updated_at) values (${u.user_id}, ${event.tenantId}, ${u.person_id ?? null}, ${u.username ?? null}, 'epoch')
            on conflict (id) do nothing`.execute(db)
        }
        const { announce } = await ensureDirect(ctx, event.tenantId, p.room_id, [a, b], db)
        await setReadOnly(ctx, tx, p.room_id, await isBlockedPair(db, a, b))
        tx.afterCommit(announce)
        return
      }
      if (event.type === 'contact.removed') {
        const p = event.payload as unknown as ContactRemovedPayload
        const [a, b] = sortedPair(p.user_ids[0], p.user_ids[1])
        await sql`delete from chat.contacts where user_a = ${a} and user_b = ${b}`.execute(db)
        if (p.room_id) await setReadOnly(ctx, tx, p.room_id, true)
        return
      }
      const p = event.payload as unknown as UserBlockPayload
      const [a, b] = sortedPair(p.blocker_id, p.blocked_id)
      if (event.type === 'user.blocked') {
        await sql`insert into chat.blocks (blocker_id, blocked_id) values (${p.blocker_id}, ${p.blocked_id}) on conflict do nothing`.execute(db)
      } else {
        await sql`delete from chat.blocks where blocker_id = ${p.blocker_id} and blocked_id = ${p.blocked_id}`.execute(db)
      }
      const { rows } = await sql<{ room_id: string }>`select room_id from chat.contacts where user_a = ${a} and user_b = ${b}`.execute(db)
      const roomId = p.room_id ?? rows[0]?.room_id
      if (!roomId) return
      const writable = rows.length > 0 && !(await isBlockedPair(db, a, b))
      await setReadOnly(ctx, tx, roomId, !writable)
    },
  }
}

async function isBlockedPair(db: Executor, a: string, b: string): Promise<boolean> {
  const { rows } = await sql`select 1 from chat.blocks where (blocker_id = ${a} and blocked_id = ${b}) or (blocker_id = ${b} and blocked_id = ${a})`.execute(db)
  return rows.length > 0
}

async function setReadOnly(ctx: ChatContext, tx: Tx, roomId: string, readOnly: boolean) {
  const { rows } = await sql`update chat.conversations set is_read_only = ${readOnly}, updated_at = now()
    where id = ${roomId} and type = 'direct' and is_read_only <> ${readOnly} returning id`.execute(tx.db)
  if (!rows[0]) return
  await recordChanges(tx.db, [{ conversationId: roomId, type: 'conversation.updated', data: { is_read_only: readOnly } }])
  tx.afterCommit(() =>
    ctx.hub.toConversation(roomId, 'conversation_updated', { conversation_id: roomId, conversation: { id: roomId, is_read_only: readOnly } }),
  )
}
