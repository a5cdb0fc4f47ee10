/** Reactions arrive in several plausible shapes; the UI works with one: emoji → user ids. */
export type ReactionMap = Record<string, string[]>

export function normalizeReactions(raw: unknown): ReactionMap {
  const out: ReactionMap = {}
  if (!raw) return out
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (!item || typeof item !== 'object') continue
      const r = item as Record<string, unknown>
      const emoji = typeof r.emoji === 'string' ? r.emoji : null
      if (!emoji) continue
      const list = (out[emoji] ??= [])
      if (typeof r.user_id === 'string') pushUnique(list, r.user_id)
      const ids = r.user_ids ?? r.users
      if (Array.isArray(ids))
        for (const u of ids)
          pushUnique(
            list,
            typeof u === 'string'
              ? u
              : String((u as { id?: string; user_id?: string }).user_id ?? (u as { id?: string }).id),
          )
      if (!r.user_id && !Array.isArray(ids) && typeof r.count === 'number')
        for (let i = list.length; i < r.count; i++) list.push(`?${i}`)
      if (r.me === true || r.reacted === true || r.mine === true) pushUnique(list, '__me__')
    }
    return out
  }
  if (typeof raw === 'object') {
    for (const [emoji, v] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(v))
        out[emoji] = v.map((u) => (typeof u === 'string' ? u : String((u as { user_id?: string }).user_id)))
      else if (typeof v === 'number') out[emoji] = Array.from({ length: v }, (_, i) => `?${i}`)
    }
  }
  return out
}

function pushUnique(list: string[], v: string) {
  if (!list.includes(v)) list.push(v)
}

export function withReaction(raw: unknown, emoji: string, userId: string, add: boolean): ReactionMap {
  const map = normalizeReactions(raw)
  const list = (map[emoji] ?? []).filter((u) => u !== userId)
  if (add) list.push(userId)
  if (list.length) map[emoji] = list
  else delete map[emoji]
  return map
}
