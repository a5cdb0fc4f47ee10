import type { MessageWire } from '@parley/contracts'
import pino from 'pino'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import type { ChatDb } from '../db/schema'
import { type BatchTimings, MessageWriter, type SendRequest, type SendResult } from './message-writer'
import type { SendBatchRow, SendItem } from './messages.repository'

/** Each call of the mocked `sendBatch`: its items, and the hand that commits it. */
const calls: Array<{ items: SendItem[]; commit(): void }> = []

vi.mock('./messages.repository', () => ({
  sendBatch: (_db: ChatDb, items: SendItem[]) =>
    new Promise<SendBatchRow[]>((resolve) => {
      const rows = items.map((r, k): SendBatchRow => ({
        o_i: k + 1,
        o_status: 'ok',
        o_id: r.id,
        o_seq: k + 1,
        o_created_at: new Date(0),
        d_tenant_id: null,
        d_conversation_id: null,
        d_content: null,
        d_message_type: null,
        d_reply_to: null,
        d_edited_at: null,
        d_deleted_at: null,
        o_bad_attachment: null,
        o_mentions: [],
      }))
      calls.push({ items, commit: () => resolve(rows) })
    }),
}))

const turn = () => new Promise((r) => setImmediate(r))
const req = (conversationId: string, content: string): SendRequest => ({
  tenantId: 't',
  senderId: 'u',
  conversationId,
  content,
  messageType: 'text',
  replyTo: null,
  attachmentIds: [],
  clientId: null,
})

/** A writer whose post-commit step (publishing) waits until the test lets each batch through. */
function writer(maxInFlight: number) {
  const published: string[][] = []
  const gates: Array<() => void> = []
  const timings: BatchTimings[] = []
  const w = new MessageWriter({} as ChatDb, pino({ level: 'silent' }), {
    batchMaxSize: 100,
    maxInFlight,
    observe: (t) => timings.push(t),
    onCommitted: (results: SendResult[]) =>
      new Promise<MessageWire[]>((resolve) =>
        gates.push(() => {
          published.push(results.map((r) => r.row.content))
          resolve(results.map(() => ({}) as MessageWire))
        }),
      ),
  })
  return { w, published, gates, timings }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeEach(() => {
  calls.length = 0
})

describe('MessageWriter', () => {
  it("keeps a conversation's next batch back until its previous one is published", async () => {
    const { w, published, gates } = writer(2)
    const a1 = w.send(req('c1', 'a1'))
    await turn()
    const a2 = w.send(req('c1', 'a2'))
    const b = w.send(req('c2', 'b'))
    await turn()
    // A second batch may go to the database, but without c1's send: c1 has a batch in flight.
    expect(calls.map((c) => c.items.map((i) => i.content))).toEqual([['a1'], ['b']])
    calls[0].commit()
    await turn()
    // a1 is committed and being published: a2 still waits.
    expect(calls).toHaveLength(2)
    gates[0]()
    await a1
    await turn()
    await turn()
    expect(calls.map((c) => c.items.map((i) => i.content))).toEqual([['a1'], ['b'], ['a2']])
    calls[1].commit()
    calls[2].commit()
    await turn()
    gates.slice(1).forEach((open) => open())
    await Promise.all([a2, b])
    expect(published.flat().filter((c) => c.startsWith('a'))).toEqual(['a1', 'a2'])
  })

  it('closes only when every batch has been answered, published ones included', async () => {
    const { w, gates } = writer(1)
    const a = w.send(req('c1', 'a'))
    await turn()
    calls[0].commit()
    await turn()
    let closed = false
    const closing = w.close().then(() => (closed = true))
    await new Promise((r) => setTimeout(r, 20))
    expect(closed).toBe(false) // committed, not yet published and answered
    gates[0]()
    await Promise.all([a, closing])
    expect(closed).toBe(true)
  })

  it("tells where each batch's time went: its oldest send's wait, the database, publishing", async () => {
    const { w, gates, timings } = writer(1)
    const a = w.send(req('c1', 'a'))
    await turn()
    const b = [w.send(req('c2', 'b1')), w.send(req('c3', 'b2'))] // behind a's batch
    await sleep(25)
    calls[0].commit()
    await sleep(25)
    gates[0]()
    await a
    await turn()
    await turn()
    expect(calls[1].items.map((i) => i.content)).toEqual(['b1', 'b2'])
    calls[1].commit()
    await turn()
    gates[1]()
    await Promise.all(b)
    expect(timings.map((t) => t.size)).toEqual([1, 2])
    // Lower bounds only (timers may fire a little late, never early by more than the clock's grain).
    expect(timings[0].ms.database).toBeGreaterThanOrEqual(20)
    expect(timings[0].ms.publish).toBeGreaterThanOrEqual(20)
    expect(timings[0].ms.waited).toBeLessThan(timings[1].ms.waited)
    // b1 waited for the whole of a's batch: its database call and its publishing.
    expect(timings[1].ms.waited).toBeGreaterThanOrEqual(40)
  })
})
