// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'

import { faviconHref, showUnread, unreadTitle } from './badge'

describe('unread badge', () => {
  it('puts the count in the title, capped at 99+', () => {
    expect(unreadTitle(0)).toBe('Parley')
    expect(unreadTitle(3)).toBe('(3) Parley')
    expect(unreadTitle(250)).toBe('(99+) Parley')
  })

  it('draws the count on the favicon only when there is something unread', () => {
    expect(decodeURIComponent(faviconHref(0))).not.toContain('<text')
    expect(decodeURIComponent(faviconHref(7))).toContain('>7</text>')
  })

  it('updates the document title and icon', () => {
    showUnread(4)
    expect(document.title).toBe('(4) Parley')
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]')!
    expect(link.dataset.unread).toBe('4')
    showUnread(0)
    expect(document.title).toBe('Parley')
    expect(link.dataset.unread).toBe('0')
  })
})
