/**
 * Where to go after signing in: the path kept in the router state by the page that asked for a
 * sign-in, if it is one of ours (a same-origin path, never `//host` or a scheme), else /chats.
 */
export function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from
  if (typeof from !== 'string' || !from.startsWith('/') || from.startsWith('//') || from.startsWith('/\\'))
    return '/chats'
  if (from.startsWith('/sign-in') || from.startsWith('/sign-up')) return '/chats'
  return from
}
