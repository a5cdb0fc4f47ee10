import { useQuery } from '@tanstack/react-query'
import { useSyncExternalStore } from 'react'

import { clearDrafts } from '../features/chat/drafts'
import { auth } from '../lib/endpoints'
import type { User } from '../lib/types'
import { queryClient, realtime, session } from './services'

export function useSignedIn(): boolean {
  return useSyncExternalStore(session.subscribe, () => session.isSignedIn)
}

export function useMe() {
  const signedIn = useSignedIn()
  return useQuery({ queryKey: ['me'], queryFn: auth.me, enabled: signedIn, staleTime: 60_000 })
}

/** Log in and keep the pair; the realtime bridge notices the session and connects. */
export async function signIn(email: string, password: string, tenant?: string): Promise<User> {
  const res = await auth.login({ email, password, tenant })
  queryClient.clear()
  session.setTokens(res)
  if (res.user) queryClient.setQueryData(['me'], res.user)
  return res.user
}

export async function signOut(): Promise<void> {
  const refresh = session.refreshToken
  realtime.stop()
  try {
    if (refresh) await auth.logout(refresh)
  } catch {
    // Sign-out is local first: the session is gone from this browser either way.
  }
  session.clear()
  clearDrafts()
  realtime.store.reset()
  queryClient.clear()
}
