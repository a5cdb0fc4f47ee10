import type { MessageHitPageWire } from '@parley/contracts'

import { type PresentingDeps, presentStoredMessages, searchTerms } from '../messages/messages.service'
import type { Caller } from '../participants/membership'
import { findHits, type HitFilter, type HitRow } from './search.repository'

export interface PageQuery {
  cursor?: string
  limit: number
}

/**
 * Message search across every conversation the caller is a current member of, newest first:
 * every term, in any order, as a case-insensitive substring (any script, CJK included), exactly
 * as the per-conversation search matches.
 */
export async function searchMessages(
  deps: PresentingDeps,
  caller: Caller,
  q: PageQuery & { q: string },
): Promise<MessageHitPageWire> {
  return hitPage(deps, caller, { terms: searchTerms(q.q) }, q)
}

/** The messages that mention the caller, newest first, in the conversations they are a member of. */
export async function listMentions(
  deps: PresentingDeps,
  caller: Caller,
  q: PageQuery,
): Promise<MessageHitPageWire> {
  return hitPage(deps, caller, { mentioning: caller.userId }, q)
}

async function hitPage(
  deps: PresentingDeps,
  caller: Caller,
  filter: Omit<HitFilter, 'limit' | 'beforeId'>,
  q: PageQuery,
): Promise<MessageHitPageWire> {
  const rows = await findHits(deps.db, caller.userId, caller.tenantId, {
    ...filter,
    beforeId: q.cursor,
    limit: q.limit + 1,
  })
  const page = rows.slice(0, q.limit)
  const messages = await presentStoredMessages(deps, page)
  return {
    results: page.map((r: HitRow, i) => ({
      message: messages[i],
      conversation: { id: r.conversation_id, type: r.conv_type, name: r.conv_name },
      is_unread: r.sender_id !== caller.userId && Number(r.seq) > Number(r.my_last_read_seq),
    })),
    next_cursor: rows.length > q.limit ? page[page.length - 1].id : null,
  }
}
