import type { ParticipantWire } from '@parley/contracts'

import type { ParticipantWithUser } from '../db/schema'

/** A member with their profile fields and receipt positions, to wire shape. */
export function presentParticipant(r: ParticipantWithUser): ParticipantWire {
  const name = `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim()
  return {
    user_id: r.user_id,
    person_id: r.person_id ?? null,
    username: r.username ?? null,
    display_name: name || r.username || null,
    avatar_url: r.avatar_url ?? null,
    role: r.role,
    joined_at: new Date(r.joined_at).toISOString(),
    last_read_seq: Number(r.last_read_seq),
    last_delivered_seq: Number(r.last_delivered_seq),
  }
}
