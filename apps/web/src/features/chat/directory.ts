/** Who is who: contacts, participants and me, to name people and conversations. */
import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'

import { useMe } from '../../app/auth'
import { contacts as contactsApi } from '../../lib/endpoints'
import { contactPerson, displayName, type PersonView } from '../../lib/people'
import type { Conversation, DirectPeer, Participant } from '../../lib/types'
import { useLivePeople } from '../../realtime/hooks'
import { livePeople } from '../../realtime/people'

export function useContacts(opts: { fresh?: boolean } = {}) {
  return useQuery({
    queryKey: ['contacts'],
    queryFn: contactsApi.list,
    refetchOnMount: opts.fresh ? 'always' : true,
  })
}

export interface Directory {
  meId: string | null
  byRoom: Map<string, PersonView>
  byUser: Map<string, PersonView>
  contacts: PersonView[]
  /** The live people version this directory was built at (issue 15): views keyed on it re-render. */
  live: number
}

export function useDirectory(opts: { fresh?: boolean } = {}): Directory {
  const me = useMe()
  const contacts = useContacts(opts)
  const live = useLivePeople()
  return useMemo(() => {
    const byRoom = new Map<string, PersonView>()
    const byUser = new Map<string, PersonView>()
    const list: PersonView[] = []
    for (const c of contacts.data ?? []) {
      const p = contactPerson(c)
      list.push(p)
      const room = (c as { room_id?: string | null }).room_id
      if (room) byRoom.set(room, p)
      if (p.userId) byUser.set(p.userId, p)
    }
    return { meId: me.data?.id ?? null, byRoom, byUser, contacts: list, live }
  }, [contacts.data, me.data?.id, live])
}

export function participantName(p: Participant | DirectPeer): string {
  return displayName(livePeople.overlay(p) as never)
}

/** The other person of a direct conversation. */
export function directPeer(c: Conversation, dir: Directory): PersonView | undefined {
  if (c.type !== 'direct') return undefined
  const other = c.participants?.find((p) => p.user_id !== dir.meId)
  if (other) {
    const fromContacts = dir.byUser.get(other.user_id)
    return {
      ...fromContacts,
      userId: other.user_id,
      personId: other.person_id ?? fromContacts?.personId,
      name: fromContacts?.name ?? participantName(other),
    }
  }
  return dir.byRoom.get(c.id)
}

export function conversationTitle(c: Conversation, dir: Directory): string {
  if (c.name) return c.name
  if (c.type === 'direct') return directPeer(c, dir)?.name ?? 'Direct message'
  const names = (c.participants ?? []).filter((p) => p.user_id !== dir.meId).map(participantName)
  return names.length
    ? names.slice(0, 3).join(', ')
    : c.type === 'channel'
      ? 'Untitled channel'
      : 'Untitled group'
}
