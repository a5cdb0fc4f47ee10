import { describe, expect, it } from 'vitest'

import { contactPerson, inviteRecipient } from '../lib/people'
import { LivePeople, livePeople } from './people'

const BOB = '0b0b0b0b-0000-4000-8000-000000000001'

describe(LivePeople.name, () => {
  it('replaces only the person fields an object already has, as a reload would show them', () => {
    const live = new LivePeople()
    live.apply({ user_id: BOB, display_name: 'Bobby', first_name: 'Robert', name: 'Robert Z' })
    const participant = { user_id: BOB, name: 'bob1', username: 'bob1', role: 'member' }
    expect(live.overlay(participant)).toEqual({ ...participant, name: 'Robert Z' })
    const contact = { user_id: BOB, first_name: '', display_name: null, username: 'bob1' }
    expect(live.overlay(contact)).toEqual({ ...contact, first_name: 'Robert', display_name: 'Bobby' })
    const stranger = { user_id: 'someone-else', name: 'x' }
    expect(live.overlay(stranger)).toBe(stranger)
  })

  it('keeps what earlier frames said when a later one carries other fields; a cleared value wins', () => {
    const live = new LivePeople()
    live.apply({ user_id: BOB, display_name: 'Bobby' })
    live.apply({ user_id: BOB, first_name: 'Robert', avatar_url: '/a.png' })
    expect(live.person(BOB)).toEqual({ display_name: 'Bobby', first_name: 'Robert', avatar_url: '/a.png' })
    live.apply({ user_id: BOB, display_name: null })
    expect(live.person(BOB)?.display_name).toBeNull()
  })

  it('shows a live rename in contact and invite rows through the shared store', () => {
    livePeople.reset()
    const row = { room_id: 'r1', contact: { user_id: BOB, username: 'bob1', display_name: null } }
    expect(contactPerson(row).name).toBe('bob1')
    livePeople.apply({ user_id: BOB, display_name: 'Bobby' })
    expect(contactPerson(row).name).toBe('Bobby')
    expect(inviteRecipient({ id: 'i1', recipient: { user_id: BOB, display_name: 'old' } }).name).toBe('Bobby')
    livePeople.reset()
  })
})
