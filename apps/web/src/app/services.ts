/** The app's singletons: one session, one API client, one realtime connection. */
import { QueryClient } from '@tanstack/react-query'

import { ApiError, createApiClient, problemFromResponse } from '../lib/api'
import { RefreshRejectedError, Session } from '../lib/session'
import type { Message, TokenPair } from '../lib/types'
import { RealtimeClient } from '../realtime/client'

export const session = new Session()

session.setRefreshFn(async (refresh): Promise<TokenPair> => {
  let res: Response
  try {
    res = await fetch('/api/auth/token/refresh/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ refresh }),
    })
  } catch {
    throw new Error('network')
  }
  if (res.status === 400 || res.status === 401 || res.status === 403)
    throw new RefreshRejectedError((await problemFromResponse(res)).message)
  if (!res.ok) throw await problemFromResponse(res)
  return (await res.json()) as TokenPair
})

export const api = createApiClient({
  getAccessToken: () => session.access,
  refreshAccessToken: () => session.refresh(),
})

export const realtime = new RealtimeClient({
  getAccessToken: () => session.freshAccess(),
  forceRefresh: () => session.refresh(),
  onUnauthorized: () => session.clear(),
  fetchMessage: (conversationId, messageId) =>
    api.get<Message>(`/api/chat/conversations/${conversationId}/messages/${messageId}/`),
})

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
})

/** The conversation on screen; live messages there do not count as unread. */
export const activeConversation = { id: null as string | null }
