/**
 * Live changes to the cached conversation list (query ['conversations']) as frames arrive, so that
 * unread counts and last messages are right the moment a person looks, without a refetch per frame.
 */
import type { QueryClient } from '@tanstack/react-query'

import type { Conversation, Message } from '../lib/types'

const LIST = ['conversations']

/**
 * Applies `update` to every cached list. A fetch of the list that is under way was answered, or
 * will be, from before this change: its answer would put the old state back (a count a new message
 * raised falls again until the next frame). It is replaced by a fetch from now.
 */
export function patchConversations(qc: QueryClient, update: (list: Conversation[]) => Conversation[]): void {
  if (qc.isFetching({ queryKey: LIST }) > 0) void qc.invalidateQueries({ queryKey: LIST })
  qc.setQueriesData<Conversation[]>({ queryKey: LIST }, (list) => (list ? update(list) : list))
}

/**
 * A new or acknowledged message: its conversation moves to the top with it as the last message,
 * one more unread when it is someone else's and that conversation is not the one open.
 */
export function bumpConversation(
  qc: QueryClient,
  message: Message,
  who: { isMine: boolean; myId: string | null; openConversationId: string | null },
): void {
  patchConversations(qc, (list) => {
    const idx = list.findIndex((c) => c.id === message.conversation_id)
    if (idx < 0) {
      // A conversation this list has not seen yet: only a fetch knows it.
      void qc.invalidateQueries({ queryKey: LIST })
      return list
    }
    const c = list[idx]
    const prevSeq = c.last_message?.seq ?? 0
    if (message.seq < prevSeq) return list
    const countsAsUnread = !who.isMine && who.openConversationId !== c.id && message.seq > prevSeq
    const next: Conversation = {
      ...c,
      last_message: message,
      unread_count: countsAsUnread ? (c.unread_count ?? 0) + 1 : c.unread_count,
      unread_mention_count:
        countsAsUnread && who.myId && message.mentions?.includes(who.myId)
          ? (c.unread_mention_count ?? 0) + 1
          : c.unread_mention_count,
      last_activity_at: message.created_at,
      updated_at: message.created_at,
    }
    return [next, ...list.slice(0, idx), ...list.slice(idx + 1)]
  })
}
