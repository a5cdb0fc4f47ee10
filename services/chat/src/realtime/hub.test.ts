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

async function hubWithMember() {
  const fanout = new InProcessFanout()
  const hub = new RealtimeHub(noMemberships, fanout, createLogger({ level: 'silent' }), {
    onDelivered: () => {},
    observeLag: () => {},
  })
  const { conn, seqs } = recorder('u1')
  await hub.add(conn)
  hub.memberAdded('c1', 'u1', 'member')
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

  it('stops waiting for a seq that never comes and goes on in order (the client catches up by seq)', async () => {
    const { hub, seqs, publish } = await hubWithMember()
    vi.useFakeTimers() // after the member is added: its memberships load on a setImmediate
    for (const seq of [1, 4, 3]) publish(seq)
    expect(seqs).toEqual([1])
    vi.advanceTimersByTime(300)
    expect(seqs).toEqual([1, 3, 4])
    publish(5)
    expect(seqs).toEqual([1, 3, 4, 5])
    hub.close()
  })
})
