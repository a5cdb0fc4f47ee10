import type { RealtimeHub } from '../realtime/hub'

/** Typing indicators that end by themselves `ttlMs` after the last start (SPEC: 6 s). */
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>()
  constructor(
    private readonly hub: RealtimeHub,
    private readonly ttlMs: number,
  ) {}

  start(conversationId: string, userId: string) {
    const key = `${conversationId}|${userId}`
    const existing = this.timers.get(key)
    if (existing) clearTimeout(existing)
    else
      this.hub.toConversation(
        conversationId,
        'typing_indicator',
        {
          conversation_id: conversationId,
          user_id: userId,
          is_typing: true,
        },
        userId,
      )
    const timer = setTimeout(() => this.stop(conversationId, userId), this.ttlMs)
    timer.unref()
    this.timers.set(key, timer)
  }

  stop(conversationId: string, userId: string) {
    const key = `${conversationId}|${userId}`
    const timer = this.timers.get(key)
    if (!timer) return
    clearTimeout(timer)
    this.timers.delete(key)
    this.hub.toConversation(
      conversationId,
      'typing_indicator',
      { conversation_id: conversationId, user_id: userId, is_typing: false },
      userId,
    )
  }

  /** A message sent ends its sender's typing. */
  stopSilently(conversationId: string, userId: string) {
    this.stop(conversationId, userId)
  }

  close() {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }
}
