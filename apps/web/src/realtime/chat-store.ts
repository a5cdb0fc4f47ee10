/**
 * Per-conversation message state: confirmed messages by seq, optimistic sends by client_id,
 * typing, receipt positions. Pure bookkeeping (no sockets), so gap detection and ack
 * reconciliation are unit-testable. The snapshot objects are replaced on change so React
 * can read them with useSyncExternalStore.
 */
import type { Attachment, Message } from '../lib/types'
import type { SendableType } from './frames'
import { withReaction } from './reactions'

export type PendingStatus = 'sending' | 'failed'

export interface PendingMessage {
  client_id: string
  conversation_id: string
  content: string
  message_type: SendableType
  reply_to?: string
  attachment_ids?: string[]
  /** Local previews (object URLs) while the real message is on its way. */
  attachments?: Attachment[]
  status: PendingStatus
  error?: string
  created_at: string
}

export interface Position {
  read: number
  delivered: number
}

export interface ConversationSnapshot {
  id: string
  /** True once a baseline was loaded; before that, live frames are not tracked for gaps. */
  loaded: boolean
  messages: Message[]
  pending: PendingMessage[]
  /** Highest seq up to which nothing is missing (relative to the loaded window). */
  contiguousSeq: number
  hasOlder: boolean
  typing: Record<string, number>
  positions: Record<string, Position>
}

export interface GapResult {
  /** Set when a catch-up is needed: ask for messages after this seq. */
  gapAfter?: number
}

function empty(id: string): ConversationSnapshot {
  return {
    id,
    loaded: false,
    messages: [],
    pending: [],
    contiguousSeq: 0,
    hasOlder: false,
    typing: {},
    positions: {},
  }
}

function sortBySeq(list: Message[]): Message[] {
  return list.sort((a, b) => a.seq - b.seq)
}

function advance(messages: Message[], from: number): number {
  const seqs = new Set(messages.map((m) => m.seq))
  let s = from
  while (seqs.has(s + 1)) s++
  return s
}

export class ChatStore {
  private convs = new Map<string, ConversationSnapshot>()
  private listeners = new Map<string, Set<() => void>>()
  private anyListeners = new Set<(conversationId: string) => void>()

  get(id: string): ConversationSnapshot {
    let c = this.convs.get(id)
    if (!c) {
      c = empty(id)
      this.convs.set(id, c)
    }
    return c
  }

  loadedIds(): string[] {
    return [...this.convs.values()].filter((c) => c.loaded).map((c) => c.id)
  }

  allPending(): PendingMessage[] {
    return [...this.convs.values()].flatMap((c) => c.pending)
  }

  subscribe(id: string, fn: () => void): () => void {
    let set = this.listeners.get(id)
    if (!set) this.listeners.set(id, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  subscribeAll(fn: (conversationId: string) => void): () => void {
    this.anyListeners.add(fn)
    return () => this.anyListeners.delete(fn)
  }

  private set(id: string, next: ConversationSnapshot): void {
    this.convs.set(id, next)
    this.listeners.get(id)?.forEach((fn) => fn())
    this.anyListeners.forEach((fn) => fn(id))
  }

  private update(id: string, fn: (c: ConversationSnapshot) => Partial<ConversationSnapshot>): void {
    const cur = this.get(id)
    this.set(id, { ...cur, ...fn(cur) })
  }

  /** Baseline from the REST history (the newest page, contiguous by definition). */
  loadLatest(id: string, messages: Message[], hasOlder: boolean): void {
    const cur = this.get(id)
    const sorted = sortBySeq([...messages])
    const merged = mergeMessages(cur.messages, sorted)
    const top = sorted.length ? sorted[sorted.length - 1].seq : 0
    // Already loaded: a refreshed newest page may sit above a hole, which only catch-up may close.
    const base = cur.loaded ? cur.contiguousSeq : top
    this.set(id, {
      ...cur,
      loaded: true,
      messages: merged,
      contiguousSeq: advance(merged, base),
      hasOlder: cur.loaded ? cur.hasOlder : hasOlder,
    })
  }

  /** Older page from infinite scroll. */
  prependOlder(id: string, messages: Message[], hasOlder: boolean): void {
    this.update(id, (c) => ({ messages: mergeMessages(c.messages, messages), hasOlder }))
  }

  /** A live message (new_message, or the sender's ack). Reports a gap when seq skips ahead. */
  receive(message: Message): GapResult {
    const id = message.conversation_id
    const cur = this.get(id)
    const pending = message.client_id
      ? cur.pending.filter((p) => p.client_id !== message.client_id)
      : cur.pending
    if (!cur.loaded) {
      if (pending !== cur.pending) this.set(id, { ...cur, pending })
      return {}
    }
    const messages = mergeMessages(cur.messages, [message])
    let contiguousSeq = cur.contiguousSeq
    if (message.seq === contiguousSeq + 1) contiguousSeq = advance(messages, contiguousSeq)
    this.set(id, { ...cur, messages, pending, contiguousSeq })
    // Still above the contiguous mark after advancing: something in between is missing.
    return message.seq > contiguousSeq ? { gapAfter: contiguousSeq } : {}
  }

  /** Catch-up answer (`history` frame or REST after_seq page). */
  receiveHistory(id: string, messages: Message[], hasMore: boolean): GapResult {
    const cur = this.get(id)
    if (!cur.loaded) {
      // First sight of this conversation through the socket: treat as the baseline.
      this.loadLatest(id, sortBySeq([...messages]), false)
      return {}
    }
    const clientIds = new Set(messages.map((m) => m.client_id).filter(Boolean))
    const merged = mergeMessages(cur.messages, messages)
    let contiguousSeq = advance(merged, cur.contiguousSeq)
    const maxSeq = merged.length ? merged[merged.length - 1].seq : 0
    if (hasMore) {
      const top = messages.length ? Math.max(...messages.map((m) => m.seq)) : contiguousSeq
      this.set(id, {
        ...cur,
        messages: merged,
        contiguousSeq,
        pending: cur.pending.filter((p) => !clientIds.has(p.client_id)),
      })
      return { gapAfter: Math.max(top, contiguousSeq) }
    }
    // Server says there is nothing more: any hole left is not ours to see; stop asking.
    contiguousSeq = Math.max(contiguousSeq, maxSeq)
    this.set(id, {
      ...cur,
      messages: merged,
      contiguousSeq,
      pending: cur.pending.filter((p) => !clientIds.has(p.client_id)),
    })
    return {}
  }

  /** message_ack: the optimistic copy becomes the stored message. */
  ack(clientId: string, message: Message): GapResult {
    return this.receive({ ...message, client_id: message.client_id ?? clientId })
  }

  addPending(p: PendingMessage): void {
    this.update(p.conversation_id, (c) => ({
      pending: [...c.pending.filter((x) => x.client_id !== p.client_id), p],
    }))
  }

  setPendingStatus(clientId: string, status: PendingStatus, error?: string): PendingMessage | undefined {
    for (const c of this.convs.values()) {
      const p = c.pending.find((x) => x.client_id === clientId)
      if (p) {
        const next = { ...p, status, error }
        this.set(c.id, { ...c, pending: c.pending.map((x) => (x.client_id === clientId ? next : x)) })
        return next
      }
    }
    return undefined
  }

  findPending(clientId: string): PendingMessage | undefined {
    for (const c of this.convs.values()) {
      const p = c.pending.find((x) => x.client_id === clientId)
      if (p) return p
    }
    return undefined
  }

  discardPending(clientId: string): void {
    for (const c of this.convs.values())
      if (c.pending.some((x) => x.client_id === clientId))
        this.set(c.id, { ...c, pending: c.pending.filter((x) => x.client_id !== clientId) })
  }

  /** message_updated / REST edit answer: replace in place, never add unseen messages. */
  replace(message: Message): void {
    const cur = this.convs.get(message.conversation_id)
    if (!cur || !cur.messages.some((m) => m.id === message.id)) return
    this.set(cur.id, {
      ...cur,
      messages: cur.messages.map((m) => (m.id === message.id ? { ...m, ...message } : m)),
    })
  }

  markDeleted(conversationId: string, messageId: string): void {
    const cur = this.convs.get(conversationId)
    if (!cur) return
    this.set(cur.id, {
      ...cur,
      messages: cur.messages.map((m) =>
        m.id === messageId ? { ...m, deleted: true, content: '', attachments: [], reactions: {} } : m,
      ),
    })
  }

  react(messageId: string, emoji: string, userId: string, add: boolean, conversationId?: string): void {
    for (const c of conversationId ? [this.get(conversationId)] : [...this.convs.values()]) {
      if (!c.messages.some((m) => m.id === messageId)) continue
      this.set(c.id, {
        ...c,
        messages: c.messages.map((m) =>
          m.id === messageId ? { ...m, reactions: withReaction(m.reactions, emoji, userId, add) } : m,
        ),
      })
      return
    }
  }

  setTyping(conversationId: string, userId: string, isTyping: boolean, until: number): void {
    this.update(conversationId, (c) => {
      const typing = { ...c.typing }
      if (isTyping) typing[userId] = until
      else delete typing[userId]
      return { typing }
    })
  }

  pruneTyping(conversationId: string, now: number): void {
    const c = this.get(conversationId)
    const entries = Object.entries(c.typing)
    if (entries.every(([, t]) => t > now)) return
    this.set(conversationId, { ...c, typing: Object.fromEntries(entries.filter(([, t]) => t > now)) })
  }

  setPositions(conversationId: string, positions: Record<string, Position>): void {
    this.update(conversationId, (c) => ({ positions: { ...c.positions, ...positions } }))
  }

  receipt(conversationId: string, userId: string, upToSeq: number, kind: 'read' | 'delivered'): void {
    this.update(conversationId, (c) => {
      const prev = c.positions[userId] ?? { read: 0, delivered: 0 }
      const read = kind === 'read' ? Math.max(prev.read, upToSeq) : prev.read
      const delivered = Math.max(prev.delivered, read, kind === 'delivered' ? upToSeq : 0)
      return { positions: { ...c.positions, [userId]: { read, delivered } } }
    })
  }

  reset(): void {
    this.convs.clear()
    this.listeners.forEach((set) => set.forEach((fn) => fn()))
  }
}

/** Merge by id (newer copy wins), dedupe by seq, keep seq order. */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  const byId = new Map<string, Message>()
  for (const m of existing) byId.set(m.id, m)
  for (const m of incoming) byId.set(m.id, { ...byId.get(m.id), ...m })
  const bySeq = new Map<number, Message>()
  for (const m of byId.values()) bySeq.set(m.seq, m)
  return sortBySeq([...bySeq.values()])
}

/** Tick state of one of my messages. */
export type Tick = 'sending' | 'failed' | 'sent' | 'delivered' | 'read'

export function tickFor(message: Message, positions: Record<string, Position>, myId: string | null): Tick {
  const others = Object.entries(positions).filter(([uid]) => uid !== myId)
  if (others.length) {
    if (others.every(([, p]) => p.read >= message.seq) || message.is_seen) return 'read'
    if (others.every(([, p]) => p.delivered >= message.seq) || message.is_delivered) return 'delivered'
    return 'sent'
  }
  if (message.is_seen) return 'read'
  if (message.is_delivered) return 'delivered'
  return 'sent'
}
