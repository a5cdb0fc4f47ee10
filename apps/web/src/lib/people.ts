/** Person shapes differ by endpoint (contacts, invites, search); the UI reads one view of them. */
import { livePeople } from '../realtime/people'
import type { ChatProfile, Participant } from './types'

export interface PersonView {
  userId?: string
  personId?: string
  name: string
  username?: string
  avatarUrl?: string | null
  presence?: string
}

type Loose = Record<string, unknown>

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
}

export function displayName(p: Partial<ChatProfile & Participant> & Loose): string {
  const full = [str(p.first_name), str(p.last_name)].filter(Boolean).join(' ')
  return (
    str(p.display_name) ??
    str(p.name) ??
    (full || undefined) ??
    str(p.username) ??
    str(p.sender_name) ??
    (p.person_id ? `#${String(p.person_id)}` : 'Unknown')
  )
}

export function personFrom(raw: unknown): PersonView {
  // @NOTE A live change (user_updated) replaces the fields this object has, as a reload would.
  const p = livePeople.overlay((raw ?? {}) as Loose)
  const presence = p.presence
  return {
    userId: str(p.user_id) ?? str(p.id),
    personId: str(p.person_id),
    name: displayName(p),
    username: str(p.username),
    avatarUrl: (p.avatar_url as string | null | undefined) ?? null,
    presence:
      typeof presence === 'string'
        ? presence
        : (str((presence as Loose | undefined)?.status) ?? str(p.status_presence)),
  }
}

function nested(obj: Loose, keys: string[]): Loose | undefined {
  for (const k of keys) {
    const v = obj[k]
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Loose
  }
  return undefined
}

/** The other person of a contact row. */
export function contactPerson(c: Loose): PersonView {
  const inner = nested(c, ['contact', 'user', 'person', 'other', 'profile', 'contact_user', 'friend'])
  const view = personFrom(inner ? { ...inner, presence: inner.presence ?? c.presence } : c)
  if (!view.personId) view.personId = str(c.person_id) ?? str(c.contact_person_id)
  if (!view.userId) view.userId = str(c.user_id) ?? str(c.contact_user_id)
  return view
}

/** Who sent an invite (for received invites). */
export function inviteSender(i: Loose): PersonView {
  const inner = nested(i, ['sender', 'from_user', 'from', 'sender_profile', 'inviter'])
  if (inner) return personFrom(inner)
  return personFrom({
    person_id: i.sender_person_id ?? i.from_person_id,
    username: i.sender_username ?? i.sender_name,
    user_id: i.sender_id,
  })
}

/** Who an invite went to (for sent and rejected invites). */
export function inviteRecipient(i: Loose): PersonView {
  const inner = nested(i, ['receiver', 'recipient', 'to_user', 'to', 'receiver_profile', 'invitee'])
  if (inner) return personFrom(inner)
  return personFrom({
    person_id: i.receiver_person_id ?? i.recipient_person_id ?? i.to_person_id ?? i.person_id,
    username: i.receiver_username ?? i.recipient_username ?? i.receiver_name,
    user_id: i.receiver_id ?? i.recipient_id,
  })
}

export function initials(name: string): string {
  const parts = name.replace(/^#/, '').trim().split(/\s+/).filter(Boolean)
  if (!parts.length) return '?'
  return ((parts[0][0] ?? '') + (parts.length > 1 ? (parts[parts.length - 1][0] ?? '') : '')).toUpperCase()
}
