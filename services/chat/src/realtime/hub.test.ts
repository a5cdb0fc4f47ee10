import { createLogger, InProcessFanout } from '@parley/platform'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { type HubConnection, RealtimeHub } from './hub'
import type { PreparedFrame } from './prepared-frame'

/** Memberships that load as none: the hub then learns them from control messages. */
const noMemberships = async (userIds: string[]) => userIds.map(() => [])

function recorder(userId: string) {
  const seqs: number[] = []
  const conn: HubConnection = {
    userId,
    send(frame: string | PreparedFrame) {
      const text = typeof frame === 'string' ? frame : frame.text
      seqs.push(JSON.parse(text).message.seq)
      return true
    },
  }
  return { conn, seqs }
}

/** The database as the hub reads it: a conversation's last seq, and messages of a gap. */
function fakeHistory(lastSeq = 0, stored: number[] = []) {
  const reads: Array<[number, number]> = []
  return {
    reads,
    history: {
      lastSeqs: async (ids: string[]) => ids.map(() => lastSeq),
      messagesBetween: async (_id: string, from: number, to: number) => {
        reads.push([from, to])
        return stored
          .filter((seq) => seq >= from && seq <= to)
          .map((seq) => ({ seq, senderId: 'u2', frame: JSON.stringify({ message: { seq } }) }))
      },
    },
  }
}

const settle = () => new Promise((r) => setImmediate(r))

async function hubWithMember(
  db = fakeHistory(),
  options: { awaitBaseline?: boolean; lastSeq?: number } = {},
) {
  const fanout = new InProcessFanout()
  const hub = new RealtimeHub(
    noMemberships,
    fanout,
    createLogger({ level: 'silent' }),
    { onDelivered: () => {}, observeLag: () => {} },
    db.history,
  )
  const { conn, seqs } = recorder('u1')
  await hub.add(conn)
  hub.memberAdded('c1', 'u1', 'member', options.lastSeq)
  // The conversation's baseline (its last seq when this node subscribed) loads on a setImmediate.
  if (options.awaitBaseline !== false) for (let i = 0; i < 3; i++) await settle()
  const publish = (seq: number) =>
    hub.publishMessage('c1', seq, 'u2', JSON.stringify({ type: 'new_message', message: { seq } }))
  return { hub, seqs, publish }
}

describe(RealtimeHub.name, () => {
  afterEach(() => vi.useRealTimers())

  it('hands out messages that arrive ahead of their predecessors in seq order', async () => {
    const { hub, seqs, publish } = await hubWithMember()
    for (const seq of [1, 2, 5, 6, 3, 4, 7]) publish(seq)
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7])
    hub.close()
  })

  it('delivers the first messages of a conversation just created even when its baseline read answers after they committed', async () => {
    // The read counts seqs 1-3 (committed) whose publishes reach this node only afterwards: a
    // baseline from it would pass them by as already delivered.
    const { hub, seqs, publish } = await hubWithMember(fakeHistory(3), { lastSeq: 0 })
    for (const seq of [1, 2, 3, 4]) publish(seq)
    expect(seqs).toEqual([1, 2, 3, 4])
    hub.close()
  })

  it('orders the first messages it sees too, from the last seq the conversation had when it subscribed', async () => {
    const { hub, seqs, publish } = await hubWithMember(fakeHistory(10), { awaitBaseline: false })
    for (const seq of [12, 11]) publish(seq)
    expect(seqs).toEqual([])
    for (let i = 0; i < 3; i++) await settle()
    expect(seqs).toEqual([11, 12])
    publish(9) // before the baseline: the client has it from history
    publish(13)
    expect(seqs).toEqual([11, 12, 13])
    hub.close()
  })

  it('does not take its baseline from the first message it sees', async () => {
    const { hub, seqs, publish } = await hubWithMember()
    for (const seq of [2, 1, 3]) publish(seq)
    expect(seqs).toEqual([1, 2, 3])
    hub.close()
  })

  it('reads the seqs that never come through the fan-out from the database, then goes on in order', async () => {
    const db = fakeHistory(0, [2, 3])
    const { hub, seqs, publish } = await hubWithMember(db)
    vi.useFakeTimers()
    for (const seq of [1, 4]) publish(seq)
    expect(seqs).toEqual([1])
    await vi.advanceTimersByTimeAsync(300)
    expect(db.reads).toEqual([[2, 3]])
    expect(seqs).toEqual([1, 2, 3, 4])
    publish(3) // late: already delivered from the database
    publish(5)
    expect(seqs).toEqual([1, 2, 3, 4, 5])
    hub.close()
  })
})
