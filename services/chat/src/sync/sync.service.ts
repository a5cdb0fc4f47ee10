import { fieldError } from '@parley/platform'
import type { ChatContext } from '../context'
import { decodeCursor, readChanges } from './changes'

/** The sync page of `userId` after the cursor `since` (REST and the socket's `sync` frame). */
export async function syncFor(ctx: ChatContext, userId: string, since?: string) {
  const cursor = since === undefined ? undefined : decodeCursor(since)
  if (since !== undefined && !cursor) throw fieldError('since', 'Not a cursor this server handed out.')
  return readChanges(ctx.platform.db, userId, cursor)
}
