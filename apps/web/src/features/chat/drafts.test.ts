// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'

import { clearDrafts, lengthNote, loadDraft, saveDraft } from './drafts'

describe('drafts', () => {
  it('keeps a draft per conversation and forgets an empty one', () => {
    saveDraft('c1', 'half a thought')
    saveDraft('c2', 'another')
    expect(loadDraft('c1')).toBe('half a thought')
    saveDraft('c1', '   ')
    expect(loadDraft('c1')).toBe('')
    expect(loadDraft('c2')).toBe('another')
    clearDrafts()
    expect(loadDraft('c2')).toBe('')
  })
})

describe('lengthNote', () => {
  it('says nothing well under the limit, counts down near it, and counts the excess over it', () => {
    expect(lengthNote(100)).toBeNull()
    expect(lengthNote(3950)).toEqual({ text: '50 characters left', over: false })
    expect(lengthNote(4000)).toEqual({ text: '0 characters left', over: false })
    expect(lengthNote(4001)).toEqual({ text: '1 character over the limit', over: true })
    expect(lengthNote(5000)).toEqual({ text: '1,000 characters over the limit', over: true })
  })
})
