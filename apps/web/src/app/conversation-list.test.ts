import { QueryClient, QueryObserver } from '@tanstack/react-query'
import { describe, expect, it } from 'vitest'

import type { Conversation, Message } from '../lib/types'
import { bumpConversation } from './conversation-list'

const ROOM = '0c0c0c0c-0000-4000-8000-000000000001'
const ALICE = '0a0a0a0a-0000-4000-8000-000000000001'

const conversation = (unread: number, lastSeq: number): Conversation =>
  ({ id: ROOM, unread_count: unread, last_message: { seq: lastSeq } }) as unknown as Conversation
const message = (seq: number): Message =>
  ({
    id: `m${seq}`,
    conversation_id: ROOM,
    seq,
    sender_id: ALICE,
    created_at: new Date().toISOString(),
  }) as unknown as Message

/** Lets the query client's promises and timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('the conversation list, live', () => {
  it('keeps a new message counted when a fetch from before it answers after it', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    // Each fetch of the list waits here for the test to answer it, as the server would.
    const fetches: Array<(list: Conversation[]) => void> = []
    const observer = new QueryObserver<Conversation[]>(qc, {
      queryKey: ['conversations'],
      queryFn: () => new Promise((resolve) => fetches.push(resolve)),
    })
    const stop = observer.subscribe(() => {})
    const unread = () => qc.getQueryData<Conversation[]>(['conversations'])?.[0].unread_count
    try {
      await settle()
      fetches.shift()!([conversation(3, 3)])
      await settle()
      expect(unread()).toBe(3)

      // A fetch starts (as after a reconnect), then message 4 arrives before its answer.
      void observer.refetch()
      await settle()
      bumpConversation(qc, message(4), { isMine: false, myId: null, openConversationId: null })
      expect(unread()).toBe(4)
      await settle()
      // The fetch from before message 4 was replaced by one from after it.
      expect(fetches).toHaveLength(2)
      fetches.shift()!([conversation(3, 3)])
      await settle()
      expect(unread()).toBe(4)
      fetches.shift()!([conversation(4, 4)])
      await settle()
      expect(unread()).toBe(4)
    } finally {
      stop()
    }
  })

  it('counts a message once, and none of mine or of the conversation open', () => {
    const qc = new QueryClient()
    qc.setQueryData(['conversations'], [conversation(0, 1)])
    const unread = () => qc.getQueryData<Conversation[]>(['conversations'])?.[0].unread_count
    bumpConversation(qc, message(2), { isMine: false, myId: null, openConversationId: null })
    bumpConversation(qc, message(2), { isMine: false, myId: null, openConversationId: null })
    expect(unread()).toBe(1)
    bumpConversation(qc, message(3), { isMine: true, myId: ALICE, openConversationId: null })
    bumpConversation(qc, message(4), { isMine: false, myId: null, openConversationId: ROOM })
    expect(unread()).toBe(1)
  })
})
