export { backoffDelay } from './backoff'
export {
  ChatStore,
  type ConversationSnapshot,
  mergeMessages,
  type PendingMessage,
  type Tick,
  tickFor,
} from './chat-store'
export { type ConnectionState, normalizeFrame, RealtimeClient, type SocketLike } from './client'
export { LivePeople, livePeople } from './people'
export { presence } from './presence'
export { normalizeReactions } from './reactions'
