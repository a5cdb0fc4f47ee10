import type { MessageType, MessageWire } from '@parley/contracts'
import { AppError, fieldError, isUuid, transaction } from '@parley/platform'
import type { Logger } from 'pino'
import type { Counter } from 'prom-client'

import { presentAttachment } from '../attachments/attachments.presenter'
import { attachmentsOfMessages } from '../attachments/attachments.repository'
import type { ChatDb, MessageRow } from '../db/schema'
import { conversationReadOnly, messageNotFound, notAllowed } from '../errors'
import {
  type Caller,
  type CatchUp,
  CONTACTS_CONSUMER,
  isManager,
  type Membership,
  requireMember,
} from '../participants/membership'
import { positionsOf } from '../participants/participants.repository'
import { deleteReactionsOf, reactionSummaries } from '../reactions/reactions.repository'
import { frame, type RealtimeHub } from '../realtime/hub'
import type { DeliveryTracker } from '../receipts/delivery-tracker'
import { lockForContentChange, removeFromIndex, setIndexedContent } from '../search/search-index.repository'
import { recordChanges } from '../sync/sync.repository'
import type { TypingTracker } from '../typing/typing.service'
import type { UserDirectory } from '../users/users'
import { MessageWriter, type SendResult, type WriterOptions } from './message-writer'
import { type MemberPositions, presentEdit, presentMessages } from './messages.presenter'
import {
  editsOf,
  findMessage,
  historyPage,
  insertEdit,
  markMessageDeleted,
  updateContent,
} from './messages.repository'

/** What presenting stored messages needs. */
export interface PresentingDeps {
  db: ChatDb
  users: UserDirectory
}

/** What the post-commit step of a send needs (present once, publish, end the sender's typing). */
export interface PublishDeps extends PresentingDeps {
  hub: RealtimeHub
  typing: TypingTracker
  metrics: { sent: Counter }
  /** Web Push for recipients without a live socket: only queued here, sent in the background. */
  push?: { enqueue(messages: MessageWire[]): void }
  /** The search indexer: told which conversations have new messages (search/search-indexer.ts). */
  searchIndex?: { note(conversationIds: Iterable<string>): void }
}

/** What the messages service uses. */
export interface MessagesDeps extends PublishDeps {
  writer: MessageWriter
  delivery: DeliveryTracker
  /** A send to a conversation chat does not know yet waits for the projections once (ADR 0012). */
  bus: CatchUp
}

/** Active members' positions in a conversation. */
export async function memberPositions(db: ChatDb, conversationId: string): Promise<MemberPositions[]> {
  const rows = await positionsOf(db, conversationId)
  return rows.map((r) => ({
    userId: r.user_id,
    lastDeliveredSeq: Number(r.last_delivered_seq),
    lastReadSeq: Number(r.last_read_seq),
  }))
}

/**
 * Stored messages to wire shape: senders from the directory's cache, attachments and reactions
 * for the whole page in one query each (none with `withDetails: false`).
 */
export async function presentStoredMessages(
  deps: PresentingDeps,
  rows: MessageRow[],
  options: { positions?: MemberPositions[]; withDetails?: boolean } = {},
): Promise<MessageWire[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const detailed = options.withDetails !== false
  const [senders, attachmentRows, reactions] = await Promise.all([
    deps.users.getMany(rows.map((r) => r.sender_id)),
    detailed ? attachmentsOfMessages(deps.db, ids) : [],
    detailed ? reactionSummaries(deps.db, ids) : new Map(),
  ])
  const attachments = new Map<string, ReturnType<typeof presentAttachment>[]>()
  for (const a of attachmentRows) {
    if (!a.message_id) continue
    const list = attachments.get(a.message_id) ?? []
    list.push(presentAttachment(a))
    attachments.set(a.message_id, list)
  }
  return presentMessages(rows, { senders, attachments, reactions, positions: options.positions })
}

// ---- sending ------------------------------------------------------------------------------------

export interface SendInput {
  content: string
  messageType?: MessageType
  replyTo?: string | null
  attachmentIds?: string[]
  clientId?: string | null
}

/**
 * The one send path, for REST and the socket alike: the request goes to the group-commit writer,
 * which commits it with its batch and runs {@link publishCommitted} on the batch before anyone
 * is answered; resolves with the message as presented there (the ack), or, for a repeated
 * client_id, the message stored the first time.
 */
export async function sendMessage(
  deps: MessagesDeps,
  caller: Caller,
  conversationId: string,
  input: SendInput,
): Promise<{ message: MessageWire; created: boolean }> {
  const request = {
    tenantId: caller.tenantId,
    senderId: caller.userId,
    conversationId,
    content: input.content,
    messageType: input.messageType ?? 'text',
    replyTo: input.replyTo ?? null,
    attachmentIds: [...new Set(input.attachmentIds ?? [])],
    clientId: input.clientId ?? null,
  }
  // @NOTE The hot path is one writer call; only a miss (the direct conversation of a contact
  // accepted a moment ago, its event not handled here yet) waits for the contact events once.
  const result = await deps.writer.send(request).catch(async (err: unknown) => {
    if (!(err instanceof AppError) || err.slug !== 'conversation-not-found') throw err
    await deps.bus.caughtUp(CONTACTS_CONSUMER)
    return deps.writer.send(request)
  })
  const message =
    result.message ??
    (
      await presentStoredMessages(deps, [result.row], {
        positions: await memberPositions(deps.db, result.row.conversation_id),
      })
    )[0]
  return { message, created: result.created }
}

/**
 * After each COMMIT, for the batch's new messages: presented once for the whole batch, each
 * serialized once and published to its conversation (every recipient gets the same bytes), the
 * sender's typing ended. Answers the presented messages, in order, for the senders' acks.
 */
export async function publishCommitted(deps: PublishDeps, results: SendResult[]): Promise<MessageWire[]> {
  deps.searchIndex?.note(results.map((r) => r.row.conversation_id))
  const withDetails = results.some((r) => r.hasAttachments)
  const wires = await presentStoredMessages(
    deps,
    results.map((r) => r.row),
    { withDetails },
  )
  results.forEach((r, i) => {
    deps.metrics.sent.inc()
    deps.typing.stopSilently(r.row.conversation_id, r.row.sender_id)
    deps.hub.publishMessage(
      r.row.conversation_id,
      r.row.seq,
      r.row.sender_id,
      frame('new_message', { message: wires[i] }),
    )
  })
  deps.push?.enqueue(wires)
  return wires
}

/**
 * The `new_message` frames of seqs `fromSeq..toSeq` of a conversation, as {@link publishCommitted}
 * framed them, for a node whose fan-out left a gap in the seq order (realtime/hub.ts).
 */
export async function newMessageFrames(
  deps: PresentingDeps,
  conversationId: string,
  fromSeq: number,
  toSeq: number,
): Promise<Array<{ seq: number; senderId: string; frame: string }>> {
  const rows = await historyPage(deps.db, conversationId, {
    afterSeq: fromSeq - 1,
    beforeSeq: toSeq + 1,
    forward: true,
    limit: toSeq - fromSeq + 1,
  })
  const wires = await presentStoredMessages(deps, rows, {
    positions: await memberPositions(deps.db, conversationId),
  })
  return rows.map((r, i) => ({
    seq: Number(r.seq),
    senderId: r.sender_id,
    frame: frame('new_message', { message: wires[i] }),
  }))
}

/** The group-commit writer whose commits are published by {@link publishCommitted}. */
export function createMessageWriter(
  deps: PublishDeps,
  log: Logger,
  options: Omit<WriterOptions, 'onCommitted'>,
): MessageWriter {
  return new MessageWriter(deps.db, log, {
    ...options,
    onCommitted: (results) => publishCommitted(deps, results),
  })
}

// ---- reading ------------------------------------------------------------------------------------

export interface HistoryQuery {
  beforeSeq?: number
  afterSeq?: number
  limit: number
  search?: string
  /** A page centred on this seq: it and older ones, then newer ones (jumping to a search hit). */
  aroundSeq?: number
}

/**
 * A page of history by seq: `after_seq` pages forward (catch-up), `before_seq` backward, neither
 * gives the latest. Always answered in ascending seq order. Fetching counts as delivery.
 */
export async function history(deps: MessagesDeps, caller: Caller, conversationId: string, q: HistoryQuery) {
  const m = await requireMember(deps.db, caller, conversationId, deps.bus)
  return historyOf(deps, caller, m, q)
}

export async function historyOf(deps: MessagesDeps, caller: Caller, m: Membership, q: HistoryQuery) {
  const id = m.conversation.id
  if (q.aroundSeq !== undefined) return historyAround(deps, caller, m, q.aroundSeq, q)
  const forward = q.afterSeq !== undefined && q.beforeSeq === undefined
  // @NOTE Every term, in any order, as a case-insensitive substring: Chinese and Japanese have no
  // spaces between words, and the trigram GIN index on content serves ILIKE in any script.
  const terms = q.search ? searchTerms(q.search) : undefined
  const rows = await historyPage(deps.db, id, {
    afterSeq: q.afterSeq,
    beforeSeq: q.beforeSeq,
    terms,
    forward,
    limit: q.limit + 1,
  })
  const hasMore = rows.length > q.limit
  const page = rows.slice(0, q.limit)
  if (!forward) page.reverse()
  const messages = await presentStoredMessages(deps, page, { positions: await memberPositions(deps.db, id) })
  const top = page.length ? Number(page[page.length - 1].seq) : 0
  if (top > m.lastDeliveredSeq) deps.delivery.delivered(id, caller.userId, top)
  return { messages, has_more: hasMore }
}

/**
 * The page around one message: `limit - floor(limit / 2)` messages up to and including `aroundSeq`,
 * then up to `floor(limit / 2)` newer ones, in ascending seq; `has_more` tells of older ones and
 * `has_more_after` of newer ones.
 */
async function historyAround(
  deps: MessagesDeps,
  caller: Caller,
  m: Membership,
  aroundSeq: number,
  q: HistoryQuery,
) {
  if (q.beforeSeq !== undefined || q.afterSeq !== undefined || q.search !== undefined)
    throw fieldError('around_seq', 'around_seq cannot be combined with before_seq, after_seq or search.')
  const id = m.conversation.id
  const newerLimit = Math.floor(q.limit / 2)
  const olderLimit = q.limit - newerLimit
  const [older, newer] = await Promise.all([
    historyPage(deps.db, id, { beforeSeq: aroundSeq + 1, forward: false, limit: olderLimit + 1 }),
    historyPage(deps.db, id, { afterSeq: aroundSeq, forward: true, limit: newerLimit + 1 }),
  ])
  const page = [...older.slice(0, olderLimit).reverse(), ...newer.slice(0, newerLimit)]
  const messages = await presentStoredMessages(deps, page, { positions: await memberPositions(deps.db, id) })
  const top = page.length ? Number(page[page.length - 1].seq) : 0
  if (top > m.lastDeliveredSeq) deps.delivery.delivered(id, caller.userId, top)
  return { messages, has_more: older.length > olderLimit, has_more_after: newer.length > newerLimit }
}

/** Whitespace-separated search terms, at most 8, longest first (the most selective). */
export function searchTerms(search: string): string[] {
  const terms = [...new Set(search.split(/\s+/).filter(Boolean))].sort((a, b) => b.length - a.length)
  return terms.length ? terms.slice(0, 8) : [search]
}

async function messageFor(deps: MessagesDeps, caller: Caller, messageId: string, conversationId?: string) {
  if (!isUuid(messageId)) throw messageNotFound(messageId)
  const row = await findMessage(deps.db, messageId)
  if (!row || (conversationId && row.conversation_id !== conversationId)) throw messageNotFound(messageId)
  let m: Membership
  try {
    m = await requireMember(deps.db, caller, row.conversation_id, deps.bus)
  } catch {
    throw messageNotFound(messageId)
  }
  return { row, m }
}

export async function getMessage(
  deps: MessagesDeps,
  caller: Caller,
  messageId: string,
  conversationId?: string,
) {
  const { row } = await messageFor(deps, caller, messageId, conversationId)
  return (
    await presentStoredMessages(deps, [row], {
      positions: await memberPositions(deps.db, row.conversation_id),
    })
  )[0]
}

/** Edit by the author only; the previous text goes to the edit history. */
export async function editMessage(
  deps: MessagesDeps,
  caller: Caller,
  messageId: string,
  content: string,
  conversationId?: string,
) {
  const { row, m } = await messageFor(deps, caller, messageId, conversationId)
  if (row.sender_id !== caller.userId) throw notAllowed('Only the author can edit a message.')
  if (row.deleted_at) throw messageNotFound(messageId)
  if (m.conversation.is_read_only) throw conversationReadOnly()
  const updated = await transaction(deps.db, async (tx) => {
    await lockForContentChange(tx.db, row.conversation_id)
    const edited = await updateContent(tx.db, messageId, content)
    if (!edited) throw messageNotFound(messageId)
    await setIndexedContent(tx.db, messageId, content)
    await insertEdit(tx.db, messageId, row.content, caller.userId)
    await recordChanges(tx.db, [
      {
        conversationId: row.conversation_id,
        type: 'message.edited',
        data: { message_id: messageId, seq: Number(row.seq) },
      },
    ])
    return edited
  })
  const [wire] = await presentStoredMessages(deps, [updated], {
    positions: await memberPositions(deps.db, row.conversation_id),
  })
  deps.hub.toConversation(row.conversation_id, 'message_updated', { message: wire })
  return wire
}

/** Delete by the author, or by an owner/admin of a group or channel; leaves a tombstone. */
export async function deleteMessage(
  deps: MessagesDeps,
  caller: Caller,
  messageId: string,
  conversationId?: string,
) {
  const { row, m } = await messageFor(deps, caller, messageId, conversationId)
  const isAuthor = row.sender_id === caller.userId
  if (!isAuthor && !(m.conversation.type !== 'direct' && isManager(m.role)))
    throw notAllowed('Only the author or an admin can delete a message.')
  if (row.deleted_at) throw messageNotFound(messageId)
  await transaction(deps.db, async (tx) => {
    await lockForContentChange(tx.db, row.conversation_id)
    if (!(await markMessageDeleted(tx.db, messageId, row.conversation_id))) throw messageNotFound(messageId)
    await removeFromIndex(tx.db, messageId)
    await deleteReactionsOf(tx.db, messageId)
    await recordChanges(tx.db, [
      {
        conversationId: row.conversation_id,
        type: 'message.deleted',
        data: { message_id: messageId, seq: Number(row.seq) },
      },
    ])
  })
  deps.hub.toConversation(row.conversation_id, 'message_deleted', {
    conversation_id: row.conversation_id,
    message_id: messageId,
  })
}

export async function messageEdits(
  deps: MessagesDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
) {
  const { row } = await messageFor(deps, caller, messageId, conversationId)
  return (await editsOf(deps.db, row.id)).map(presentEdit)
}
