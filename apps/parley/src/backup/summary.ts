import type { Manifest } from './manifest'

/** "2 users, 1 conversation, 57 messages, 1 attachment, 4 files": what a backup holds, for the operator. */
export function summarize(manifest: Manifest): string {
  const c = manifest.cut_off.counts
  const parts: Array<[number | undefined, string]> = [
    [c['auth.users'], 'user'],
    [c['chat.conversations'], 'conversation'],
    [c['chat.messages'], 'message'],
    [c['chat.attachments'], 'attachment'],
    [manifest.files.length, 'file'],
  ]
  return parts
    .filter(([n]) => n !== undefined)
    .map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`)
    .join(', ')
}
