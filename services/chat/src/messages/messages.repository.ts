import type { MessageType, Role } from '@parley/contracts'
import { sql } from 'kysely'
import type { AttachmentRow, ChatDb, ConversationRow, Executor, MessageEditRow, MessageRow, ParticipantRow } from '../db/schema'

export async function findMessage(db: ChatDb, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('chat.messages').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface HistoryFilter {
  afterSeq?: number
  beforeSeq?: number
  /** Every term must appear in the content, case-insensitively (deleted messages never match). */
  terms?: string[]
  /** Oldest first from `afterSeq` when true; newest first otherwise. */
  forward: boolean
  limit: number
}

/** A page of a conversation's messages by seq (served by the trigram index when searching). */
export async function historyPage(db: ChatDb, conversationId: string, f: HistoryFilter): Promise<MessageRow[]> {
  let query = db.selectFrom('chat.messages').selectAll().where('conversation_id', '=', conversationId)
  if (f.afterSeq !== undefined) query = query.where('seq', '>', f.afterSeq)
  if (f.beforeSeq !== undefined) query = query.where('seq', '<', f.beforeSeq)
  if (f.terms) {
    query = query.where('deleted_at', 'is', null)
    // @NOTE LIKE wildcards in a term are plain characters.
    for (const t of f.terms) query = query.where('content', 'ilike', `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }
  return query.orderBy('seq', f.forward ? 'asc' : 'desc').limit(f.limit).execute()
}

/** New content; undefined when the message is gone (deleted meanwhile). */
export async function updateContent(db: Executor, id: string, content: string): Promise<MessageRow | undefined> {
  return db
    .updateTable('chat.messages')
    .set({ content, edited_at: sql`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

export async function insertEdit(db: Executor, messageId: string, previousContent: string, editedBy: string): Promise<void> {
  await db
    .insertInto('chat.message_edits')
    .values({ id: sql<string>`gen_random_uuid()`, message_id: messageId, previous_content: previousContent, edited_by: editedBy })
    .execute()
}

export async function editsOf(db: ChatDb, messageId: string): Promise<Array<Omit<MessageEditRow, 'message_id'>>> {
  return db
    .selectFrom('chat.message_edits')
    .select(['id', 'previous_content', 'edited_by', 'edited_at'])
    .where('message_id', '=', messageId)
    .orderBy('edited_at')
    .orderBy('id')
    .execute()
}

/** Tombstones a message (its conversation counts one deleted message more); false when already gone. */
export async function markMessageDeleted(db: Executor, id: string, conversationId: string): Promise<boolean> {
  const row = await db
    .updateTable('chat.messages')
    .set({ deleted_at: sql`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (!row) return false
  await db
    .updateTable('chat.conversations')
    .set((eb) => ({ deleted_count: eb('deleted_count', '+', 1) }))
    .where('id', '=', conversationId)
    .execute()
  return true
}

// ---- the send path (group commit) ----------------------------------------------------------------

export interface SendItem {
  id: string
  tenantId: string
  conversationId: string
  senderId: string
  content: string
  messageType: MessageType
  replyTo: string | null
  clientId: string | null
}

/** One row of `chat.send_batch` per input item, in input order (see db/functions/send_batch.sql). */
export interface SendBatchRow {
  o_i: number
  o_status: 'ok' | 'duplicate' | 'not_found' | 'read_only' | 'not_allowed' | 'bad_reply'
  o_id: string
  o_seq: number
  o_created_at: Date
  d_tenant_id: string | null
  d_conversation_id: string | null
  d_content: string | null
  d_message_type: string | null
  d_reply_to: string | null
  d_edited_at: Date | null
  d_deleted_at: Date | null
}

/** The whole batch in one statement (one round trip, one transaction): `chat.send_batch`. */
export async function sendBatch(db: ChatDb, items: SendItem[]): Promise<SendBatchRow[]> {
  const { rows } = await sql<SendBatchRow>`select * from chat.send_batch(${items.map((r) => r.id)}::uuid[], ${items.map((r) => r.tenantId)}::text[],
    ${items.map((r) => r.conversationId)}::uuid[], ${items.map((r) => r.senderId)}::uuid[], ${items.map((r) => r.content)}::text[],
    ${items.map((r) => r.messageType)}::text[], ${items.map((r) => r.replyTo)}::uuid[], ${items.map((r) => r.clientId)}::text[])`.execute(db)
  return rows
}

/** Messages already stored under these (sender, client_id) keys. */
export async function storedByClientIds(db: Executor, keys: Array<{ senderId: string; clientId: string }>): Promise<MessageRow[]> {
  const { rows } = await sql<MessageRow>`select m.* from chat.messages m
    join unnest(${keys.map((k) => k.senderId)}::uuid[], ${keys.map((k) => k.clientId)}::text[]) as k(sender_id, client_id)
    on m.sender_id = k.sender_id and m.client_id = k.client_id`.execute(db)
  return rows
}

export type SenderMembership = Pick<ParticipantRow, 'conversation_id' | 'user_id'> & { role: Role } & Pick<ConversationRow, 'type' | 'tenant_id' | 'is_read_only'>

/** Each (conversation, sender) pair's live membership and its conversation's rules. */
export async function senderMemberships(db: Executor, pairs: Array<{ conversationId: string; userId: string }>): Promise<SenderMembership[]> {
  const { rows } = await sql<SenderMembership>`select p.conversation_id, p.user_id, p.role, c.type, c.tenant_id, c.is_read_only
    from chat.participants p join chat.conversations c on c.id = p.conversation_id
    join unnest(${pairs.map((p) => p.conversationId)}::uuid[], ${pairs.map((p) => p.userId)}::uuid[]) as k(c, u)
      on p.conversation_id = k.c and p.user_id = k.u
    where p.left_at is null and c.deleted_at is null`.execute(db)
  return rows
}

export async function conversationsOfMessages(db: Executor, ids: string[]): Promise<Array<Pick<MessageRow, 'id' | 'conversation_id'>>> {
  return db.selectFrom('chat.messages').select(['id', 'conversation_id']).where('id', '=', sql<string>`any(${ids}::uuid[])`).execute()
}

/** Attachments, locked until COMMIT so that two sends cannot both claim one. */
export async function lockAttachments(db: Executor, ids: string[]): Promise<Array<Pick<AttachmentRow, 'id' | 'uploader_id' | 'message_id'>>> {
  return db
    .selectFrom('chat.attachments')
    .select(['id', 'uploader_id', 'message_id'])
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .forUpdate()
    .execute()
}

/**
 * Moves each conversation's last_seq by its count in one statement; answers the new last_seq.
 * With several conversations their rows are first locked in id order, so two batches on
 * different nodes never deadlock.
 */
export async function allocateSeqs(db: Executor, counts: Array<{ conversationId: string; n: number }>): Promise<Map<string, number>> {
  const sorted = [...counts].sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1))
  const ids = sorted.map((c) => c.conversationId)
  if (ids.length > 1) await sql`select id from chat.conversations where id = any(${ids}::uuid[]) order by id for update`.execute(db)
  const { rows } = await sql<{ id: string; last_seq: number }>`update chat.conversations c
    set last_seq = c.last_seq + k.n, last_message_at = now(), updated_at = now()
    from unnest(${ids}::uuid[], ${sorted.map((c) => c.n)}::int[]) as k(id, n)
    where c.id = k.id returning c.id, c.last_seq`.execute(db)
  return new Map(rows.map((r) => [r.id, Number(r.last_seq)]))
}

export async function insertMessages(db: Executor, items: Array<SendItem & { seq: number }>): Promise<MessageRow[]> {
  return db
    .insertInto('chat.messages')
    .values(
      items.map((r) => ({
        id: r.id,
        tenant_id: r.tenantId,
        conversation_id: r.conversationId,
        seq: r.seq,
        sender_id: r.senderId,
        content: r.content,
        message_type: r.messageType,
        reply_to: r.replyTo,
        client_id: r.clientId,
      })),
    )
    .returningAll()
    .execute()
}

export async function linkAttachments(db: Executor, links: Array<{ attachmentId: string; messageId: string; conversationId: string }>): Promise<void> {
  if (!links.length) return
  await sql`update chat.attachments a set message_id = k.m, conversation_id = k.c
    from unnest(${links.map((l) => l.attachmentId)}::uuid[], ${links.map((l) => l.messageId)}::uuid[], ${links.map((l) => l.conversationId)}::uuid[]) as k(a, m, c)
    where a.id = k.a`.execute(db)
}

/** A sender has seen their own message: their read and delivered positions follow it. */
export async function advanceSenders(db: Executor, items: Array<{ conversationId: string; userId: string; seq: number }>): Promise<void> {
  if (!items.length) return
  await sql`update chat.participants p
    set last_read_seq = greatest(p.last_read_seq, k.seq), last_delivered_seq = greatest(p.last_delivered_seq, k.seq)
    from unnest(${items.map((l) => l.conversationId)}::uuid[], ${items.map((l) => l.userId)}::uuid[], ${items.map((l) => l.seq)}::bigint[]) as k(c, u, seq)
    where p.conversation_id = k.c and p.user_id = k.u`.execute(db)
}
