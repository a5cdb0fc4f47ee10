/** The composer's `@` autocompletion: what is being typed, and which members it offers. */

/** A member the composer offers after `@`. */
export interface Mentionable {
  userId: string
  username: string
  name: string
}

/** The `@query` being typed just before the caret (as the server reads mentions), if any. */
export function mentionAt(text: string, caret: number): { query: string; start: number } | null {
  const m = /(?:^|[^\p{L}\p{N}_.+@-])@([\p{L}\p{N}_.+-]*)$/u.exec(text.slice(0, caret))
  return m ? { query: m[1], start: caret - m[1].length - 1 } : null
}

const EVERYONE: Mentionable[] = [
  { userId: 'here', username: 'here', name: 'Everyone in this conversation' },
  { userId: 'channel', username: 'channel', name: 'Everyone in this conversation' },
]

/** Members whose username or a word of whose name starts with `query`, then `@here`/`@channel`; at most 8. */
export function mentionOptions(members: Mentionable[], query: string, canMentionAll: boolean): Mentionable[] {
  const q = query.toLowerCase()
  const matches = (m: Mentionable) =>
    m.username.toLowerCase().startsWith(q) ||
    m.name
      .toLowerCase()
      .split(/\s+/)
      .some((w) => w.startsWith(q))
  return [...members.filter(matches), ...(canMentionAll ? EVERYONE.filter(matches) : [])].slice(0, 8)
}
