import type { MessageType, MessageWire } from '@parley/contracts'
import { isUuid, transaction } from '@parley/platform'
import { sql } from 'kysely'
import type { ChatContext } from '../context'
import { requireMember, type Caller, isManager, type Membership } from '../participants/membership'
import { conversationReadOnly, messageNotFound, notAllowed } from '../errors'
import { recordChanges } from '../sync/changes'
import type { SendResult } from './message-writer'
import type { MessageEditRow, MessageRow } from '../db/rows'
import { memberPositions, presentMessages } from './messages.presenter'

export interface SendInput {
  content: string
  messageType?: MessageType
  replyTo?: string | null
  attachmentIds?: string[]
  clientId?: string | null
}

/** Sends through the group-commit writer; resolves after COMMIT with the stored message. */
export async function sendMessage(ctx: ChatContext, caller: Caller, conversationId: string, input: SendInput): Promise<{ message: MessageWire; created: boolean }> {
  const result = await ctx.writer.send({
    tenantId: caller.tenantId,
    senderId: caller.userId,
    conversationId,
    content: input.content,
    messageType: input.messageType ?? 'text',
    replyTo: input.replyTo ?? null,
    attachmentIds: [...new Set(input.attachmentIds ?? [])],
    clientId: input.clientId ?? null,
  })
  return { message: await wireOf(ctx, result), created: result.created }
}

async function wireOf(ctx: ChatContext, result: SendResult): Promise<MessageWire> {
  const cached = ctx.presented.get(result)
  if (cached) return cached
  const db = ctx.platform.db
  return (await presentMessages(ctx, [result.row], { positions: await memberPositions(db, result.row.conversation_id) }))[0]
}

export interface HistoryQuery {
  beforeSeq?: number
  afterSeq?: number
  limit: number
  search?: string
}

/**
 * A page of history by seq: `after_seq` pages forward (catch-up), `before_seq` backward, neither
 * gives the latest. Always answered in ascending seq order. Fetching counts as delivery.
 */
export async function history(ctx: ChatContext, caller: Caller, conversationId: string, q: HistoryQuery) {
  const m = await requireMember(ctx.platform.db, caller, conversationId)
  return historyOf(ctx, caller, m, q)
}

export async function historyOf(ctx: ChatContext, caller: Caller, m: Membership, q: HistoryQuery) {
  const db = ctx.platform.db
  const id = m.conversation.id
  const conditions = [sql`conversation_id = ${id}`]
  if (q.afterSeq !== undefined) conditions.push(sql`seq > ${q.afterSeq}`)
  if (q.beforeSeq !== undefined) conditions.push(sql`seq < ${q.beforeSeq}`)
  if (q.search) {
    // @NOTE Every term, in any order, as a case-insensitive substring: Chinese and Japanese have no
    // spaces between words, and the trigram GIN index on content serves ILIKE in any script.
    const terms = searchTerms(q.search).map((t) => sql`content ilike ${`%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`)
    conditions.push(sql`deleted_at is null and ${sql.join(terms, sql` and `)}`)
  }
  const forward = q.afterSeq !== undefined && q.beforeSeq === undefined
  const { rows } = await sql<MessageRow>`select * from chat.messages where ${sql.join(conditions, sql` and `)}
    order by seq ${forward ? sql`asc` : sql`desc`} limit ${q.limit + 1}`.execute(db)
  const hasMore = rows.length > q.limit
  const page = rows.slice(0, q.limit)
  if (!forward) page.reverse()
  const messages = await presentMessages(ctx, page, { positions: await memberPositions(db, id) })
  const top = page.length ? Number(page[page.length - 1].seq) : 0
  if (top > m.lastDeliveredSeq) ctx.delivery.delivered(id, caller.userId, top)
  return { messages, has_more: hasMore }
}

/** Whitespace-separated search terms, at most 8, longest first (the most selective). */
export function searchTerms(search: string): string[] {
  const terms = [...new Set(search.split(/\s+/).filter(Boolean))].sort((a, b) => b.length - a.length)
  return terms.length ? terms.slice(0, 8) : [search]
}

async function messageFor(ctx: ChatContext, caller: Caller, messageId: string, conversationId?: string) {
  if (!isUuid(messageId)) throw messageNotFound(messageId)
  const { rows } = await sql<MessageRow>`select * from chat.messages where id = ${messageId}`.execute(ctx.platform.db)
  const row = rows[0]
  if (!row || (conversationId && row.conversation_id !== conversationId)) throw messageNotFound(messageId)
  let m: Membership
  try {
    m = await requireMember(ctx.platform.db, caller, row.conversation_id)
  } catch {
    throw messageNotFound(messageId)
  }
  return { row, m }
}

export async function getMessage(ctx: ChatContext, caller: Caller, messageId: string, conversationId?: string) {
  const { row } = await messageFor(ctx, caller, messageId, conversationId)
  return (await presentMessages(ctx, [row], { positions: await memberPositions(ctx.platform.db, row.conversation_id) }))[0]
}

/** Edit by the author only; the previous text goes to the edit history. */
export async function editMessage(ctx: ChatContext, caller: Caller, messageId: string, content: string, conversationId?: string) {
  const { row, m } = await messageFor(ctx, caller, messageId, conversationId)
  if (row.sender_id !== caller.userId) throw notAllowed('Only the author can edit a message.')
  if (row.deleted_at) throw messageNotFound(messageId)
  if (m.conversation.is_read_only) throw conversationReadOnly()
  const updated = await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql<MessageRow>`update chat.messages set content = ${content}, edited_at = now()
      where id = ${messageId} and deleted_at is null returning *`.execute(tx.db)
    if (!rows[0]) throw messageNotFound(messageId)
    await sql`insert into chat.message_edits (id, message_id, previous_content, edited_by)
      values (gen_random_uuid(), ${messageId}, ${row.content}, ${caller.userId})`.execute(tx.db)
    await recordChanges(tx.db, [{ conversationId: row.conversation_id, type: 'message.edited', data: { message_id: messageId, seq: Number(row.seq) } }])
    return rows[0]
  })
  const [wire] = await presentMessages(ctx, [updated], { positions: await memberPositions(ctx.platform.db, row.conversation_id) })
  ctx.hub.toConversation(row.conversation_id, 'message_updated', { message: wire })
  return wire
}

/** Delete by the author, or by an owner/admin of a group or channel; leaves a tombstone. */
export async function deleteMessage(ctx: ChatContext, caller: Caller, messageId: string, conversationId?: string) {
  const { row, m } = await messageFor(ctx, caller, messageId, conversationId)
  const isAuthor = row.sender_id === caller.userId
  if (!isAuthor && !(m.conversation.type !== 'direct' && isManager(m.role))) throw notAllowed('Only the author or an admin can delete a message.')
  if (row.deleted_at) throw messageNotFound(messageId)
  await transaction(ctx.platform.db, async (tx) => {
    const { rows } = await sql`update chat.messages set deleted_at = now() where id = ${messageId} and deleted_at is null returning id`.execute(tx.db)
    if (!rows[0]) throw messageNotFound(messageId)
    await sql`update chat.conversations set deleted_count = deleted_count + 1 where id = ${row.conversation_id}`.execute(tx.db)
    await sql`delete from chat.reactions where message_id = ${messageId}`.execute(tx.db)
    await recordChanges(tx.db, [{ conversationId: row.conversation_id, type: 'message.deleted', data: { message_id: messageId, seq: Number(row.seq) } }])
  })
  ctx.hub.toConversation(row.conversation_id, 'message_deleted', { conversation_id: row.conversation_id, message_id: messageId })
}

export async function messageEdits(ctx: ChatContext, caller: Caller, conversationId: string, messageId: string) {
  const { row } = await messageFor(ctx, caller, messageId, conversationId)
  const { rows } = await sql<Omit<MessageEditRow, 'message_id'>>`select id, previous_content, edited_by, edited_at from chat.message_edits
    where message_id = ${row.id} order by edited_at, id`.execute(ctx.platform.db)
  return rows.map((r) => ({ id: r.id, previous_content: r.previous_content, edited_by: r.edited_by, edited_at: new Date(r.edited_at).toISOString() }))
}
