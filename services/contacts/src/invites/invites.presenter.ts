import type { z } from 'zod'

import type { Identity } from '../identity/identity.repository'
import { presentPerson } from '../shared/person.presenter'
import type { Invite } from './invites.repository'
import type { InviteSchema } from './invites.schema'

export interface InviteView {
  invite: Invite
  sender: Identity
  recipient: Identity
}

export function presentInvite({ invite, sender, recipient }: InviteView): z.infer<typeof InviteSchema> {
  return {
    id: invite.id,
    status: invite.status,
    sender: presentPerson(sender),
    recipient: presentPerson(recipient),
    room_id: invite.roomId,
    created_at: invite.createdAt.toISOString(),
    responded_at: invite.respondedAt?.toISOString() ?? null,
  }
}
