import { describe, expect, it } from 'vitest'

import { type IncomingMessage, type NotifyContext, shouldShow } from './notifications'

const base: IncomingMessage = {
  conversationId: 'c',
  conversationType: 'direct',
  senderId: 'bob',
  messageType: 'text',
  onScreen: false,
  title: 'Bob',
  body: 'hi',
}
const ctx: NotifyContext = { meId: 'me', muted: false, doNotDisturb: false, tabHidden: false }

describe('shouldShow', () => {
  it('notifies a direct message that is not on screen, or any direct message while the tab is hidden', () => {
    expect(shouldShow(base, ctx)).toBe(true)
    expect(shouldShow({ ...base, onScreen: true }, { ...ctx, tabHidden: true })).toBe(true)
  })

  it('stays quiet for the conversation on screen and for my own messages', () => {
    expect(shouldShow({ ...base, onScreen: true }, ctx)).toBe(false)
    expect(shouldShow({ ...base, senderId: 'me' }, { ...ctx, tabHidden: true })).toBe(false)
  })

  it('notifies group messages only when they mention me', () => {
    const group = { ...base, conversationType: 'group' as const }
    expect(shouldShow(group, { ...ctx, tabHidden: true })).toBe(false)
    expect(shouldShow({ ...group, mentions: ['me'] }, { ...ctx, tabHidden: true })).toBe(true)
    expect(shouldShow({ ...group, mentions: ['someone', 'me'] }, ctx)).toBe(true)
  })

  it('is silenced by a muted conversation and by do-not-disturb, from any device', () => {
    expect(shouldShow(base, { ...ctx, muted: true, tabHidden: true })).toBe(false)
    expect(shouldShow(base, { ...ctx, doNotDisturb: true, tabHidden: true })).toBe(false)
    expect(
      shouldShow({ ...base, conversationType: 'group', mentions: ['me'] }, { ...ctx, muted: true }),
    ).toBe(false)
  })

  it('needs to know who I am', () => {
    expect(shouldShow(base, { ...ctx, meId: null })).toBe(false)
  })
})
