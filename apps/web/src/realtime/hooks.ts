/** React bindings of the realtime module. */
import { useSyncExternalStore } from 'react'

import { realtime } from '../app/services'
import type { ConversationSnapshot } from './chat-store'
import type { ConnectionState } from './client'
import { livePeople } from './people'
import { presence } from './presence'

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(realtime.subscribeState, realtime.getState)
}

export function useConversationState(id: string): ConversationSnapshot {
  return useSyncExternalStore(
    (fn) => realtime.store.subscribe(id, fn),
    () => realtime.store.get(id),
  )
}

/** Re-renders when a person or an invite changed live; answers a version to key memos on. */
export function useLivePeople(): number {
  return useSyncExternalStore(livePeople.subscribe, livePeople.getVersion)
}

export function usePresence(userId: string | undefined): string | undefined {
  useSyncExternalStore(presence.subscribe, presence.getVersion)
  return presence.get(userId)
}
