import { describe, expect, it } from 'vitest'

import { notifyDecision, type NotifyMessage, shouldNotify } from './notify-policy'

const me = { userId: 'u-me', muted: false }
const direct: NotifyMessage = { senderId: 'u-other', conversationType: 'direct', messageType: 'text' }
const group: NotifyMessage = { senderId: 'u-other', conversationType: 'group', messageType: 'text' }
const awake = { doNotDisturb: false }

describe(shouldNotify.name, () => {
  it('notifies direct messages and mentions of me', () => {
    expect(notifyDecision(me, direct, awake)).toEqual({ notify: true, reason: 'direct' })
    expect(notifyDecision(me, { ...group, mentions: ['u-me'] }, awake)).toEqual({
      notify: true,
      reason: 'mention',
    })
    // An admin's @here arrives expanded to every member's id.
    expect(shouldNotify(me, { ...group, mentions: ['u-someone', 'u-me'] }, awake)).toBe(true)
  })

  it('stays quiet for group messages that do not mention me, my own messages and system messages', () => {
    expect(notifyDecision(me, group, awake).reason).toBe('not_for_me')
    expect(shouldNotify(me, { ...group, mentions: ['u-someone'] }, awake)).toBe(false)
    expect(notifyDecision(me, { ...direct, senderId: 'u-me' }, awake).reason).toBe('own')
    expect(notifyDecision(me, { ...direct, messageType: 'system' }, awake).reason).toBe('system')
  })

  it('is silenced by mute and do-not-disturb, mentions included', () => {
    expect(notifyDecision({ ...me, muted: true }, direct, awake).reason).toBe('muted')
    expect(notifyDecision(me, { ...group, mentions: ['u-me'] }, { doNotDisturb: true }).reason).toBe(
      'do_not_disturb',
    )
    expect(shouldNotify({ ...me, muted: true }, { ...group, mentions: ['u-me'] }, awake)).toBe(false)
  })
})
