import { api, eventually } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/**
 * Presence heals itself when a node dies with sockets open. A dead node is simulated by rows
 * in `chat.presence_nodes` / `chat.presence_sockets` whose heartbeat is aged past the TTL, so
 * nothing waits for real time to pass; the live node beats every 50 ms.
 */
describe('presence after a node dies', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  const db = () => c.t.platform.db
  const statusOf = async (viewer: TestUser, user: TestUser) =>
    (await api(c.t.url).get(`/api/chat/presence/?user_ids=${user.id}`, viewer.token)).body[0].status as string

  beforeAll(async () => {
    c = await startChat({ presenceHeartbeatMs: 50, presenceTtlMs: 60_000 })
    alice = await c.user()
    bob = await c.user()
    await c.contacts(alice, bob)
  })
  afterAll(() => c?.close())

  it('stops counting the sockets of a node whose heartbeat is stale, and tells contacts', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    // Bob is connected to another node, which then dies without closing his two sockets.
    await sql`insert into chat.presence_nodes (node_id, heartbeat_at) values ('node-that-dies', now())`.execute(
      db(),
    )
    await sql`insert into chat.presence_sockets (node_id, user_id, sockets) values ('node-that-dies', ${bob.id}, 2)`.execute(
      db(),
    )
    await sql`insert into chat.presence (user_id, status, last_seen) values (${bob.id}, 'busy', now() - interval '2 hours')`.execute(
      db(),
    )
    expect(await statusOf(alice, bob)).toBe('busy')

    await sql`update chat.presence_nodes set heartbeat_at = now() - interval '1 hour' where node_id = 'node-that-dies'`.execute(
      db(),
    )
    // Reads ignore a dead node at once, before any sweep.
    expect(await statusOf(alice, bob)).toBe('offline')
    const told = await a.next('presence', (f) => f.user_id === bob.id)
    expect(told).toMatchObject({ status: 'offline' })
    // Last seen is when the dead node last beat (an hour ago), not when it was swept.
    const ago = Date.now() - Date.parse(told.last_seen)
    expect(ago).toBeGreaterThan(59 * 60_000)
    expect(ago).toBeLessThan(61 * 60_000)
    const left = await sql<{
      n: number
    }>`select count(*)::int as n from chat.presence_sockets where node_id = 'node-that-dies'`.execute(db())
    expect(left.rows[0].n).toBe(0)
    // The sweeping node's own sockets still count.
    expect(await statusOf(bob, alice)).toBe('online')
    await a.close()
  })

  it('keeps a user online while a live node still holds one of their sockets', async () => {
    const carol = await c.user()
    await c.contacts(carol, bob)
    const s = await TestSocket.open(c.t.wsUrl, carol.token)
    await sql`insert into chat.presence_nodes (node_id, heartbeat_at) values ('second-node', now() - interval '1 hour')`.execute(
      db(),
    )
    await sql`insert into chat.presence_sockets (node_id, user_id, sockets) values ('second-node', ${carol.id}, 1)`.execute(
      db(),
    )
    await eventually(async () => {
      const { rows } = await sql`select 1 from chat.presence_nodes where node_id = 'second-node'`.execute(
        db(),
      )
      return rows.length === 0
    })
    expect(await statusOf(bob, carol)).toBe('online')
    expect(s.all('presence').filter((f) => f.user_id === carol.id && f.status === 'offline')).toEqual([])
    await s.close()
  })

  it('restores its sockets when another node swept it for dead', async () => {
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    // What another node's sweep does to this one after a long pause.
    await sql`delete from chat.presence_sockets where user_id = ${alice.id}`.execute(db())
    await sql`delete from chat.presence_nodes`.execute(db())
    await eventually(async () => {
      const { rows } = await sql<{
        sockets: number
      }>`select sockets from chat.presence_sockets where user_id = ${alice.id}`.execute(db())
      return rows[0]?.sockets === 1
    })
    expect(await statusOf(bob, alice)).toBe('online')
    await a.close()
    await eventually(async () => (await statusOf(bob, alice)) === 'offline')
  })

  it('tells contacts live, not the members of a group they share', async () => {
    const dave = await c.user({ tenantId: alice.tenantId })
    const group = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'g', participant_ids: [dave.id] },
      alice.token,
    )
    expect(group.status).toBe(201)
    const b = await TestSocket.open(c.t.wsUrl, bob.token)
    const d = await TestSocket.open(c.t.wsUrl, dave.token)
    const a = await TestSocket.open(c.t.wsUrl, alice.token)
    a.send({ type: 'update_presence', status: 'away' })
    await b.next('presence', (f) => f.user_id === alice.id && f.status === 'away')
    // Whatever the broadcast sent Dave was written before his pong.
    d.send({ type: 'ping', ref: 'after' })
    await d.next('pong', (f) => f.ref === 'after')
    expect(d.all('presence').filter((f) => f.user_id === alice.id)).toEqual([])
    // He can still read it.
    expect(await statusOf(dave, alice)).toBe('away')
    for (const s of [a, b, d]) await s.close()
  })

  it('counts a storm of sockets opening and closing at once, and tells each contact once per change', async () => {
    const hub = await c.user()
    const others = await Promise.all(Array.from({ length: 12 }, () => c.user({ tenantId: hub.tenantId })))
    for (const o of others) await c.contacts(hub, o)
    const watcher = await TestSocket.open(c.t.wsUrl, hub.token)
    // Two sockets each, all opened in the same moment (they share the presence writes).
    const sockets = await Promise.all(
      others.flatMap((o) => [TestSocket.open(c.t.wsUrl, o.token), TestSocket.open(c.t.wsUrl, o.token)]),
    )
    for (const o of others) expect(await statusOf(hub, o)).toBe('online')
    const live = await sql<{
      n: number
    }>`select coalesce(sum(sockets), 0)::int as n from chat.presence_sockets
      where user_id = any(${others.map((o) => o.id)}::uuid[])`.execute(db())
    expect(live.rows[0].n).toBe(24)
    await eventually(async () =>
      others.every((o) => watcher.all('presence').some((f) => f.user_id === o.id && f.status === 'online')),
    )
    // One socket of each closes: still online, nobody is told anything.
    await Promise.all(others.map((_, i) => sockets[2 * i].close()))
    for (const o of others) expect(await statusOf(hub, o)).toBe('online')
    // The last ones close together: offline, once each.
    await Promise.all(others.map((_, i) => sockets[2 * i + 1].close()))
    await eventually(async () =>
      others.every((o) => watcher.all('presence').some((f) => f.user_id === o.id && f.status === 'offline')),
    )
    for (const o of others) {
      expect(
        watcher
          .all('presence')
          .filter((f) => f.user_id === o.id)
          .map((f) => f.status),
      ).toEqual(['online', 'offline'])
      expect(await statusOf(hub, o)).toBe('offline')
    }
    const rows = await sql<{ n: number }>`select count(*)::int as n from chat.presence_sockets
      where user_id = any(${others.map((o) => o.id)}::uuid[])`.execute(db())
    expect(rows.rows[0].n).toBe(0)
    await watcher.close()
  })
})

/**
 * A graceful stop closes the node's sockets (1012), and the socket server's close waits for every
 * one of them (an unresponsive one is terminated after 5 s), so their last closes are counted and
 * announced before the node's presence rows go.
 */
describe('presence when a node stops gracefully', () => {
  it('announces the users whose last socket was on it as offline, even one that no longer answers', async () => {
    const c = await startChat()
    try {
      const [alice, bob, carol] = [await c.user(), await c.user(), await c.user()]
      await c.contacts(alice, bob)
      const a = await TestSocket.open(c.t.wsUrl, alice.token)
      // Carol is also connected to another, live node: she stays online.
      await sql`insert into chat.presence_nodes (node_id, heartbeat_at) values ('other-node', now() + interval '1 hour')`.execute(
        c.t.platform.db,
      )
      await sql`insert into chat.presence_sockets (node_id, user_id, sockets) values ('other-node', ${carol.id}, 1)`.execute(
        c.t.platform.db,
      )
      const b = await TestSocket.open(c.t.wsUrl, bob.token)
      const cs = await TestSocket.open(c.t.wsUrl, carol.token)
      const announced = async (userId: string) => {
        const { rows } = await sql<{ status: string }>`select payload->>'status' as status from chat.outbox
          where type = 'user.presence_changed' and payload->>'user_id' = ${userId} order by seq`.execute(
          c.t.platform.db,
        )
        return rows.map((r) => r.status)
      }
      // Announcements are written after the sockets count, without holding them up.
      await eventually(
        async () => (await announced(alice.id)).length === 1 && (await announced(bob.id)).length === 1,
      )

      // Alice's network is gone: she will not answer the close handshake, so her socket is still
      // open when the node has stopped (Bob's closes normally first).
      ;(a.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      await c.t.server.close()

      // Alice's and Bob's only sockets were on the stopped node.
      expect(await announced(alice.id)).toEqual(['online', 'offline'])
      expect(await announced(bob.id)).toEqual(['online', 'offline'])
      expect(await announced(carol.id)).toEqual([])
      const { rows } = await sql<{ node_id: string }>`select node_id from chat.presence_sockets`.execute(
        c.t.platform.db,
      )
      expect(rows).toEqual([{ node_id: 'other-node' }])
      await Promise.all([b.closed, cs.closed])
      a.ws.terminate()
    } finally {
      await c.close()
    }
  })
})
