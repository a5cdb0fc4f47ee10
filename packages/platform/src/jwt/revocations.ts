/**
 * Deny-list of session ids (refresh families) whose access tokens must stop working at once
 * (SPEC section 3, logout). Checked synchronously on every request and WebSocket frame, so
 * it lives in memory; the auth service persists it and reloads it at start.
 */
export interface SessionRevocations {
  isRevoked(sessionId: string): boolean
  /** Records a revocation until `until` (the latest expiry of that session's access tokens). */
  revoke(sessionId: string, until: Date): Promise<void>
  /** Loads persisted revocations (at start). */
  load(entries: Array<{ sessionId: string; until: Date }>): void
  /** Called for every new revocation, on every node (e.g. to close that session's sockets). */
  onRevoked(listener: (sessionId: string) => void): () => void
  close(): Promise<void>
}

export class InMemoryRevocations implements SessionRevocations {
  private readonly until = new Map<string, number>()
  private readonly listeners = new Set<(sessionId: string) => void>()
  private readonly sweeper: NodeJS.Timeout

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 60_000)
    this.sweeper.unref()
  }

  isRevoked(sessionId: string) {
    const until = this.until.get(sessionId)
    return until !== undefined && until > Date.now()
  }

  async revoke(sessionId: string, until: Date) {
    this.remember(sessionId, until)
    this.notify(sessionId)
  }

  load(entries: Array<{ sessionId: string; until: Date }>) {
    for (const e of entries) this.remember(e.sessionId, e.until)
  }

  onRevoked(listener: (sessionId: string) => void) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close() {
    clearInterval(this.sweeper)
  }

  protected notify(sessionId: string) {
    for (const listener of this.listeners) listener(sessionId)
  }

  protected remember(sessionId: string, until: Date) {
    const prev = this.until.get(sessionId) ?? 0
    this.until.set(sessionId, Math.max(prev, until.getTime()))
  }

  private sweep() {
    const now = Date.now()
    for (const [sid, until] of this.until) if (until <= now) this.until.delete(sid)
  }
}
