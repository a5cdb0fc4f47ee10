/** React bindings of the realtime module. */
import { useSyncExternalStore } from 'react'

import { realtime } from '../app/services'
import type { ConversationSnapshot } from './chat-store'
import type { ConnectionState } from './client'
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

export function usePresence(userId: string | undefined): string | undefined {
  useSyncExternalStore(presence.subscribe, presence.getVersion)
  return presence.get(userId)
}
