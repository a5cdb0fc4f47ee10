import { describe, expect, it } from 'vitest'

import { decodeHubMessage, encodeHubMessage, type HubMessage } from './hub'

describe('hub messages', () => {
  const frame = JSON.stringify({ type: 'new_message', message: { seq: 7, content: 'a\nb' } })

  it('decode what they encode, for every kind', () => {
    const all: HubMessage[] = [
      { kind: 'message', seq: 7, senderId: 'u1', publishedAt: 1_700_000_000_123, frame },
      { kind: 'frame', frame },
      { kind: 'frame', frame, from: 'u2' },
      { kind: 'block', userId: 'u2', blocked: true },
      { kind: 'block', userId: 'u2', blocked: false },
      { kind: 'member_added', conversationId: 'c1', role: 'admin' },
      { kind: 'member_added', conversationId: 'c1', role: 'member', lastSeq: 0 },
      { kind: 'member_removed', conversationId: 'c1' },
    ]
    for (const m of all) expect(decodeHubMessage(encodeHubMessage(m))).toEqual(m)
  })

  it('keep the frame bytes as they were serialized (no re-encoding per hop)', () => {
    const encoded = encodeHubMessage({ kind: 'message', seq: 1, senderId: 'u1', publishedAt: 1, frame })
    expect(encoded.endsWith(`\n${frame}`)).toBe(true)
  })

  it('ignore what no node publishes', () => {
    for (const raw of ['', 'hello', '{"op":"rename","conversation_id":"c1"}', '{"op":"add"}', 'm 1 u1'])
      expect(decodeHubMessage(raw)).toBeUndefined()
  })
})
