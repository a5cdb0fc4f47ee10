/** Presence by user id, fed by REST snapshots and `presence` frames. */
export class PresenceStore {
  private map = new Map<string, string>()
  private listeners = new Set<() => void>()
  private version = 0

  set(userId: string, status: string): void {
    if (this.map.get(userId) === status) return
    this.map.set(userId, status)
    this.version++
    this.listeners.forEach((fn) => fn())
  }

  get(userId: string | undefined): string | undefined {
    return userId ? this.map.get(userId) : undefined
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  getVersion = (): number => this.version
}

export const presence = new PresenceStore()
