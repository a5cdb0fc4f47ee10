/**
 * Unsent text per conversation, kept in localStorage so it survives switching conversations and
 * reloading. Only text: attachments in flight are tied to the page that uploads them.
 */
const PREFIX = 'parley.draft.'

export function loadDraft(conversationId: string, storage: Storage = localStorage): string {
  try {
    return storage.getItem(PREFIX + conversationId) ?? ''
  } catch {
    return ''
  }
}

export function saveDraft(conversationId: string, text: string, storage: Storage = localStorage): void {
  try {
    if (text.trim()) storage.setItem(PREFIX + conversationId, text)
    else storage.removeItem(PREFIX + conversationId)
  } catch {
    // Storage full or blocked: the draft lives on in memory for this page only.
  }
}

/** Drafts belong to the person signed in: signing out forgets them all. */
export function clearDrafts(storage: Storage = localStorage): void {
  for (let i = storage.length - 1; i >= 0; i--) {
    const key = storage.key(i)
    if (key?.startsWith(PREFIX)) storage.removeItem(key)
  }
}

/** The longest message the server takes (SPEC: content up to 4,000 Unicode code points). */
export const MAX_MESSAGE_LENGTH = 4000
/** Length as the server counts it: code points, so an emoji is one, not two. */
export const codePoints = (text: string): number => Array.from(text).length

/** The counter shows from here on. */
export const COUNTER_FROM = 3500

export function lengthNote(length: number, max = MAX_MESSAGE_LENGTH): { text: string; over: boolean } | null {
  if (length < COUNTER_FROM && length <= max) return null
  const n = (v: number) => v.toLocaleString('en-US')
  if (length > max)
    return { text: `${n(length - max)} character${length - max === 1 ? '' : 's'} over the limit`, over: true }
  return { text: `${n(max - length)} character${max - length === 1 ? '' : 's'} left`, over: false }
}
