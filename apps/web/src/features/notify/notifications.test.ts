import { describe, expect, it } from 'vitest'

import { type IncomingMessage, shouldNotify } from './notifications'

const base: IncomingMessage = {
  conversationId: 'c',
  isDirect: true,
  isMine: false,
  onScreen: false,
  title: 'Bob',
  body: 'hi',
}

describe('shouldNotify', () => {
  it('notifies a direct message that is not on screen', () => {
    expect(shouldNotify(base, false)).toBe(true)
  })
  it('stays quiet for the conversation on screen, for groups while visible, and for my own messages', () => {
    expect(shouldNotify({ ...base, onScreen: true }, false)).toBe(false)
    expect(shouldNotify({ ...base, isDirect: false }, false)).toBe(false)
    expect(shouldNotify({ ...base, isMine: true }, true)).toBe(false)
  })
  it('notifies any message while the tab is hidden', () => {
    expect(shouldNotify({ ...base, isDirect: false, onScreen: true }, true)).toBe(true)
  })
})
