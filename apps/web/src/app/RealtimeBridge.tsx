/**
 * Glue between the realtime client and server state: starts the socket when signed in,
 * follows the browser's online/offline events, and keeps the conversation list current.
 */
import { useEffect } from 'react'

import type { Message } from '../lib/types'
import { livePeople } from '../realtime/people'
import { presence } from '../realtime/presence'
import { useSignedIn } from './auth'
import { bumpConversation, patchConversations } from './conversation-list'
import { activeConversation, queryClient, realtime } from './services'

export function RealtimeBridge() {
  const signedIn = useSignedIn()

  useEffect(() => {
    if (!signedIn) {
      realtime.stop()
      livePeople.reset()
      return
    }
    realtime.start()
    const onOnline = () => realtime.reconnectNow()
    const onOffline = () => realtime.goOffline()
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)
    const myId = () => realtime.userId ?? queryClient.getQueryData<{ id: string }>(['me'])?.id ?? null
    const bump = (message: Message, isMine: boolean) =>
      bumpConversation(queryClient, message, {
        isMine,
        myId: myId(),
        openConversationId: activeConversation.id,
      })
    const offs = [
      realtime.on('new_message', (f) => bump(f.message, f.message.sender_id === myId())),
      realtime.on('message_ack', (f) => f.message && bump(f.message, true)),
      realtime.on('message_updated', (f) => {
        patchConversations(queryClient, (list) =>
          list.map((c) =>
            c.last_message?.id === f.message.id
              ? { ...c, last_message: { ...c.last_message, ...f.message } }
              : c,
          ),
        )
      }),
      realtime.on('message_deleted', (f) => {
        patchConversations(queryClient, (list) =>
          list.map((c) =>
            c.last_message?.id === f.message_id && c.last_message
              ? { ...c, last_message: { ...c.last_message, deleted: true, content: '' } }
              : c,
          ),
        )
      }),
      realtime.on('read_receipt', (f) => {
        if (f.user_id !== myId()) return
        patchConversations(queryClient, (list) =>
          list.map((c) =>
            c.id === f.conversation_id ? { ...c, unread_count: 0, unread_mention_count: 0 } : c,
          ),
        )
      }),
      realtime.on('presence', (f) => presence.set(f.user_id, f.status)),
      // Issue 15: a person shown anywhere, invites and contacts change live on both sides.
      realtime.on('user_updated', (f) => livePeople.apply(f)),
      realtime.on('invite_updated', (f) => {
        livePeople.applyInvite(f)
        void queryClient.invalidateQueries({ queryKey: ['invites'] })
        if (f.status === 'accepted') {
          void queryClient.invalidateQueries({ queryKey: ['contacts'] })
          void queryClient.invalidateQueries({ queryKey: ['conversations'] })
        }
      }),
      realtime.on('contact_updated', () => {
        void queryClient.invalidateQueries({ queryKey: ['contacts'] })
        void queryClient.invalidateQueries({ queryKey: ['blocks'] })
        void queryClient.invalidateQueries({ queryKey: ['conversations'] })
      }),
      realtime.on('conversation_updated', () => {
        // A new direct conversation usually means an accepted invite: contacts changed too.
        void queryClient.invalidateQueries({ queryKey: ['conversations'] })
        void queryClient.invalidateQueries({ queryKey: ['contacts'] })
        void queryClient.invalidateQueries({ queryKey: ['invites'] })
      }),
      realtime.on('participant_added', (f) => {
        void queryClient.invalidateQueries({ queryKey: ['conversations'] })
        void queryClient.invalidateQueries({ queryKey: ['contacts'] })
        void queryClient.invalidateQueries({ queryKey: ['participants', f.conversation_id] })
      }),
      realtime.on('participant_removed', (f) => {
        void queryClient.invalidateQueries({ queryKey: ['conversations'] })
        void queryClient.invalidateQueries({ queryKey: ['participants', f.conversation_id] })
        if (f.user_id && f.user_id === myId())
          void queryClient.invalidateQueries({ queryKey: ['conversation', f.conversation_id] })
      }),
    ]
    // Whatever changed while the socket was down: refresh lists after each (re)connect.
    let wasOpen = false
    const offState = realtime.subscribeState(() => {
      const open = realtime.getState() === 'open'
      if (open && !wasOpen) {
        void queryClient.invalidateQueries({ queryKey: ['conversations'] })
        void queryClient.invalidateQueries({ queryKey: ['notification-settings'] })
        void queryClient.invalidateQueries({ queryKey: ['contacts'] })
        // New messages come with join_conversation {after_seq}; edits, deletes, reactions and
        // receipts made meanwhile in every conversation come with the realtime client's sync.
      }
      wasOpen = open
    })
    return () => {
      offs.forEach((off) => off())
      offState()
      window.removeEventListener('online', onOnline)
      window.removeEventListener('offline', onOffline)
    }
  }, [signedIn])

  return null
}
