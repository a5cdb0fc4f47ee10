import { isDeepStrictEqual } from 'node:util'

import { api, eventually, type SignedUpUser, signUp } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Cluster, startCluster } from './cluster'
import { Client } from './ws-client'

/** Every message of a conversation through REST, paging forward by seq. */
async function fullHistory(baseUrl: string, token: string, conversationId: string) {
  const all: Array<{ seq: number; client_id: string | null; content: string }> = []
  for (let after = 0; ;) {
    const res = await api(baseUrl).get(
      `/api/chat/conversations/${conversationId}/messages/?after_seq=${after}&limit=100`,
      token,
    )
    expect(res.status).toBe(200)
    all.push(...res.body.messages)
    if (!res.body.has_more) return all
    after = all[all.length - 1].seq
  }
}

function expectGapless(seqs: number[]) {
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
}

// Distributed mode needs a PostgreSQL that several processes share: CI sets DATABASE_URL.
describe.runIf(process.env.DATABASE_URL)('three Parley nodes on PostgreSQL and Redis', () => {
  let cluster: Cluster
  let users: SignedUpUser[]
  let conversationId: string
  let clients: Client[] = []

  beforeAll(async () => {
    cluster = await startCluster(3, { env: { SHUTDOWN_DELAY: '1' } })
    const [n0, n1, n2] = cluster.nodes
    users = [await signUp(n0.url), await signUp(n1.url), await signUp(n2.url)]
    const [a, b, c] = users
    // The chat service learns about users from auth's events (outbox → Redis Streams), so it may take a moment.
    const created = await eventually(async () => {
      const res = await api(n0.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: 'cluster', participant_ids: [b.id, c.id] },
        a.access,
      )
      return res.status === 201 ? res : undefined
    }, 15_000)
    conversationId = created.body.id
    clients = await Promise.all(users.map((u, i) => Client.connect(cluster.nodes[i].wsUrl, u.access)))
  }, 120_000)

  afterAll(async () => {
    clients.forEach((c) => c.close())
    await cluster?.close()
  })

  it('delivers a message sent on one node to members connected to the others', async () => {
    const [a, b, c] = clients
    a.send({
      type: 'send_message',
      conversation_id: conversationId,
      content: 'hello from node 0',
      client_id: 'cross-1',
    })
    const ack = await a.next((f) => f.type === 'message_ack' && f.client_id === 'cross-1')
    for (const other of [b, c]) {
      const got = await other.next((f) => f.type === 'new_message' && f.message.id === ack.message.id)
      expect(got.message.content).toBe('hello from node 0')
    }
  })

  it('carries typing and presence across nodes', async () => {
    const [a, b, c] = clients
    b.send({ type: 'start_typing', conversation_id: conversationId })
    for (const other of [a, c]) {
      await other.next(
        (f) => f.type === 'typing_indicator' && f.user_id === users[1].id && f.is_typing === true,
      )
    }
    // Live presence goes to contacts: a (node 0) and c (node 2) become contacts by mutual invites.
    await api(cluster.nodes[0].url).post(
      '/acac/send-invite/',
      { person_id: users[2].person_id },
      users[0].access,
    )
    const mutual = await api(cluster.nodes[2].url).post(
      '/acac/send-invite/',
      { person_id: users[0].person_id },
      users[2].access,
    )
    expect(mutual.body.status).toBe('accepted')
    // Until chat has the direct conversation (contact.accepted crosses nodes through Redis Streams).
    await eventually(async () => {
      const res = await api(cluster.nodes[0].url).get(
        `/api/chat/conversations/${mutual.body.room_id}/`,
        users[0].access,
      )
      return res.status === 200
    }, 15_000)
    c.send({ type: 'update_presence', status: 'busy' })
    await a.next((f) => f.type === 'presence' && f.user_id === users[2].id && f.status === 'busy')
    const seen = await api(cluster.nodes[0].url).get(
      `/api/chat/presence/?user_ids=${users[2].id}`,
      users[0].access,
    )
    expect(JSON.stringify(seen.body)).toContain('busy')
  })

  it("keeps a blocked member's typing from the blocker on another node, and lets it through after the unblock", async () => {
    const [a, b, c] = clients
    const [ua, ub] = users
    const nodeA = api(cluster.nodes[0].url)
    expect((await nodeA.post(`/acac/blocks/${ub.person_id}/`, {}, ua.access)).status).toBe(201)
    const since = a.frames.length
    b.send({ type: 'start_typing', conversation_id: conversationId })
    await c.next((f) => f.type === 'typing_indicator' && f.user_id === ub.id && f.is_typing === true)
    // b's message goes out after b's typing from the same node on the same topic: once a has it,
    // b's typing would have arrived before it.
    b.send({
      type: 'send_message',
      conversation_id: conversationId,
      content: 'after typing',
      client_id: 'blk-x',
    })
    await a.next((f) => f.type === 'new_message' && f.message.client_id === 'blk-x')
    expect(a.frames.slice(since).filter((f) => f.type === 'typing_indicator' && f.user_id === ub.id)).toEqual(
      [],
    )
    b.send({ type: 'stop_typing', conversation_id: conversationId })
    expect((await nodeA.delete(`/acac/blocks/${ub.person_id}/`, ua.access)).status).toBe(204)
    const after = a.frames.length
    b.send({ type: 'start_typing', conversation_id: conversationId })
    await eventually(async () =>
      a.frames.slice(after).some((f) => f.type === 'typing_indicator' && f.user_id === ub.id)
        ? true
        : undefined,
    )
    b.send({ type: 'stop_typing', conversation_id: conversationId })
  })

  it('gives every member the same gapless order under concurrent senders on different nodes', async () => {
    const perSender = 25
    const before = clients[0].seqs(conversationId).length
    clients.forEach((client, i) => {
      for (let k = 0; k < perSender; k++) {
        client.send({
          type: 'send_message',
          conversation_id: conversationId,
          content: `n${i} #${k}`,
          client_id: `burst-${i}-${k}`,
        })
      }
    })
    const total = before + perSender * clients.length
    await eventually(() => clients.every((c) => c.seqs(conversationId).length >= total), 30_000)
    const orders = clients.map((c) => c.seqs(conversationId))
    for (const order of orders) {
      expectGapless(order)
      expect(order).toEqual(orders[0])
    }
    const history = await fullHistory(cluster.nodes[1].url, users[1].access, conversationId)
    expectGapless(history.map((m) => m.seq))
    expect(history.length).toBe(total)
  })

  it('orders the very first messages of a new conversation on every node (no baseline from a raced first message)', async () => {
    const [a, b, c] = users
    const created = await api(cluster.nodes[0].url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'first messages', participant_ids: [b.id, c.id] },
      a.access,
    )
    expect(created.status).toBe(201)
    const fresh = created.body.id as string
    // Every node subscribed: each member's socket sees a typing frame of the new conversation.
    for (const [i, client] of clients.entries()) {
      const typist = i === 0 ? clients[1] : clients[0]
      typist.send({ type: 'start_typing', conversation_id: fresh })
      await client.next((f) => f.type === 'typing_indicator' && f.conversation_id === fresh, 10_000)
    }
    const perSender = 10
    clients.forEach((client, i) => {
      for (let k = 0; k < perSender; k++) {
        client.send({
          type: 'send_message',
          conversation_id: fresh,
          content: `first n${i} #${k}`,
          client_id: `first-${i}-${k}`,
        })
      }
    })
    const total = perSender * clients.length
    // @NOTE On a timeout the error names the socket that is short, what it got and what it was told.
    await eventually(() => {
      for (const [i, cl] of clients.entries()) {
        const seqs = cl.seqs(fresh)
        if (seqs.length >= total) continue
        const acks = cl.frames.filter(
          (f) => f.type === 'message_ack' && String(f.client_id).startsWith('first-'),
        )
        const errors = cl.frames.filter((f) => f.type === 'error').map((f) => JSON.stringify(f))
        throw new Error(
          `socket on node ${i}: ${seqs.length}/${total} messages (seqs ${seqs.join(',')}), ${acks.length} acks, errors: ${errors.join(' ') || 'none'}`,
        )
      }
      return true
    }, 30_000)
    for (const client of clients) expectGapless(client.seqs(fresh))
  })

  it('shows a rename on every node at once: live frames through Redis and every node’s name cache', async () => {
    const [, b] = users
    // Every node presents (and caches) b as a sender before the rename; one node handles the event.
    for (const [i, node] of cluster.nodes.entries()) {
      const before = await api(node.url).post(
        `/api/chat/conversations/${conversationId}/messages/`,
        { content: `before the rename on node ${i}`, client_id: `rename-before-${i}` },
        b.access,
      )
      expect(before.status).toBe(201)
    }
    const names = { first_name: 'Renamed', last_name: `Everywhere${Date.now().toString(36)}` }
    expect((await api(cluster.nodes[1].url).patch('/profiles/profile/', names, b.access)).status).toBe(200)
    const fullName = `${names.first_name} ${names.last_name}`
    for (const client of [clients[0], clients[2]])
      await client.next((f) => f.type === 'user_updated' && f.user_id === b.id && f.name === fullName)
    for (const [i, node] of cluster.nodes.entries()) {
      const after = await api(node.url).post(
        `/api/chat/conversations/${conversationId}/messages/`,
        { content: `after the rename on node ${i}`, client_id: `rename-after-${i}` },
        b.access,
      )
      expect(after.status).toBe(201)
      expect(after.body.sender_name, `node ${i}`).toBe(fullName)
    }
  })

  it('loses no acknowledged message when a node is killed with SIGKILL mid-burst', async () => {
    const victim = cluster.nodes[1]
    const sender = clients[1]
    const acked = new Set<string>()
    sender.ws.on('message', (data) => {
      const f = JSON.parse(String(data))
      if (f.type === 'message_ack') acked.add(f.client_id)
    })
    for (let k = 0; k < 200; k++) {
      sender.send({
        type: 'send_message',
        conversation_id: conversationId,
        content: `doomed ${k}`,
        client_id: `kill-${k}`,
      })
    }
    await eventually(() => acked.size >= 20, 20_000)
    await victim.kill('SIGKILL')
    const ackedAtDeath = new Set(acked)

    // The sender reconnects to another node and every member reads the history there.
    const survivor = cluster.nodes[2]
    clients[1] = await Client.connect(survivor.wsUrl, users[1].access)
    // @NOTE is_delivered follows delivery positions that nodes flush in batches, so three reads a
    // moment apart can differ in it: read until the three agree (they must, on everything).
    const histories = await eventually(async () => {
      const read = await Promise.all(users.map((u) => fullHistory(survivor.url, u.access, conversationId)))
      return read.every((h) => isDeepStrictEqual(h, read[0])) ? read : undefined
    }, 10_000).catch(() => Promise.all(users.map((u) => fullHistory(survivor.url, u.access, conversationId))))
    for (const history of histories) {
      expectGapless(history.map((m) => m.seq))
      const clientIds = history.map((m) => m.client_id).filter((id): id is string => !!id)
      expect(new Set(clientIds).size).toBe(clientIds.length) // no duplicates
      for (const id of ackedAtDeath) expect(clientIds).toContain(id)
    }
    expect(histories[1]).toEqual(histories[0])
    expect(histories[2]).toEqual(histories[0])

    // Retrying the whole burst with the same client_ids stores nothing twice.
    for (let k = 0; k < 200; k++) {
      clients[1].send({
        type: 'send_message',
        conversation_id: conversationId,
        content: `doomed ${k}`,
        client_id: `kill-${k}`,
      })
    }
    await eventually(
      () =>
        clients[1].frames.filter((f) => f.type === 'message_ack' && String(f.client_id).startsWith('kill-'))
          .length >= 200,
      30_000,
    )
    const after = await fullHistory(survivor.url, users[0].access, conversationId)
    expectGapless(after.map((m) => m.seq))
    expect(after.filter((m) => m.client_id?.startsWith('kill-')).length).toBe(200)
  }, 90_000)

  it('drains on SIGTERM: not ready first, every queued send acknowledged and stored, sockets told to reconnect (1012)', async () => {
    const node = cluster.nodes[2]
    const client = clients[2]
    for (let k = 0; k < 50; k++) {
      client.send({
        type: 'send_message',
        conversation_id: conversationId,
        content: `drain ${k}`,
        client_id: `drain-${k}`,
      })
    }
    node.process.kill('SIGTERM')
    await eventually(async () => (await fetch(`${node.url}/ready`)).status === 503, 5_000)
    await eventually(() => client.closeCode !== undefined, 15_000).catch((err) => {
      console.log(
        'NODE2',
        node.output.join('').slice(-3000),
        'exit',
        node.process.exitCode,
        node.process.signalCode,
      )
      throw err
    })
    expect(client.closeCode).toBe(1012)
    const acked = client.frames.filter(
      (f) => f.type === 'message_ack' && String(f.client_id).startsWith('drain-'),
    )
    const history = await fullHistory(cluster.nodes[0].url, users[0].access, conversationId)
    const stored = new Set(history.map((m) => m.client_id))
    for (const ack of acked) expect(stored.has(ack.client_id)).toBe(true)
    expectGapless(history.map((m) => m.seq))
    await eventually(() => node.process.exitCode !== null || node.process.signalCode !== null, 30_000)
    expect(node.process.exitCode).toBe(0)
  }, 60_000)
})
