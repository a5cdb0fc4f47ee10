/**
 * People and invites as the server last told us live (`user_updated`, `invite_updated` frames;
 * issue 15), so every place that shows a person shows the change at once, without a reload.
 */
import type { InviteUpdatedWire, UserUpdatedWire } from '@parley/contracts'

type Loose = Record<string, unknown>

/** The fields of a person a view may show: a live change replaces each one the view's object already has. */
const PERSON_KEYS = [
  'person_id',
  'username',
  'first_name',
  'last_name',
  'display_name',
  'avatar_url',
  'status_message',
  'name',
] as const

export class LivePeople {
  private people = new Map<string, Partial<UserUpdatedWire>>()
  private invites = new Map<string, InviteUpdatedWire>()
  private listeners = new Set<() => void>()
  private version = 0

  /** A `user_updated` frame: the fields present are the person's new ones. */
  apply(update: UserUpdatedWire): void {
    const merged: Partial<UserUpdatedWire> = { ...this.people.get(update.user_id) }
    for (const key of PERSON_KEYS)
      if (update[key] !== undefined) Object.assign(merged, { [key]: update[key] })
    this.people.set(update.user_id, merged)
    this.changed()
  }

  /** An `invite_updated` frame. */
  applyInvite(invite: InviteUpdatedWire): void {
    this.invites.set(invite.invite_id, invite)
    this.changed()
  }

  person(userId: string | undefined): Partial<UserUpdatedWire> | undefined {
    return userId ? this.people.get(userId) : undefined
  }

  invite(inviteId: string): InviteUpdatedWire | undefined {
    return this.invites.get(inviteId)
  }

  /** Invites this session saw change, newest last. */
  allInvites(): InviteUpdatedWire[] {
    return [...this.invites.values()]
  }

  /**
   * `raw` (a contact, participant, invite side, search result, me…) with the live value of each
   * person field it already has: the view then shows what a reload would show, only sooner.
   */
  overlay<T>(raw: T, userId?: string): T {
    if (!raw || typeof raw !== 'object') return raw
    const r = raw as Loose
    const id = userId ?? (typeof r.user_id === 'string' ? r.user_id : undefined)
    const live = this.person(id)
    if (!live) return raw
    let out: Loose | undefined
    for (const key of PERSON_KEYS) {
      if (!(key in r) || live[key] === undefined || r[key] === live[key]) continue
      out ??= { ...r }
      out[key] = live[key]
    }
    return (out ?? raw) as T
  }

  /** The name chat shows for a message's sender, when it changed live. */
  senderName(userId: string): string | undefined {
    return this.people.get(userId)?.name ?? undefined
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  getVersion = (): number => this.version

  reset(): void {
    this.people.clear()
    this.invites.clear()
    this.changed()
  }

  private changed() {
    this.version++
    this.listeners.forEach((fn) => fn())
  }
}

export const livePeople = new LivePeople()
