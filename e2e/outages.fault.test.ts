import {
  api,
  eventually,
  type SignedUpUser,
  signUp,
  ThrowawayPostgres,
  ThrowawayRedis,
  uniqueRedisPrefix,
} from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Cluster, startCluster } from './cluster'
import { Client } from './ws-client'

/**
 * Two nodes on a PostgreSQL and a Redis of this test's own, which it kills and restarts while a
 * sender keeps sending: acknowledged messages must all survive, and the nodes must recover alone.
 */
describe('outages under traffic', () => {
  let pg: ThrowawayPostgres
  let redis: ThrowawayRedis
  let cluster: Cluster
  let users: SignedUpUser[]
  let conversationId: string
  let sender: Client
  let receiver: Client
  const acked = new Set<string>()
  let sending = true
  let sent = 0
  let loop: Promise<void>

  function recordAcks(client: Client) {
    client.ws.on('message', (data) => {
      const f = JSON.parse(String(data))
      if (f.type === 'message_ack') acked.add(f.client_id)
    })
  }

  beforeAll(async () => {
    pg = await ThrowawayPostgres.start()
    redis = await ThrowawayRedis.start()
    cluster = await startCluster(2, {
      databaseUrl: pg.url,
      redis: { url: redis.url, prefix: uniqueRedisPrefix() },
    })
    users = [await signUp(cluster.nodes[0].url), await signUp(cluster.nodes[1].url)]
    const created = await eventually(async () => {
      const res = await api(cluster.nodes[0].url).post(
        '/api/chat/conversations/',
        { type: 'group', name: 'outages', participant_ids: [users[1].id] },
        users[0].access,
      )
      return res.status === 201 ? res : undefined
    }, 15_000)
    conversationId = created.body.id
    sender = await Client.connect(cluster.nodes[0].wsUrl, users[0].access)
    receiver = await Client.connect(cluster.nodes[1].wsUrl, users[1].access)
    recordAcks(sender)
    loop = (async () => {
      while (sending) {
        sender.send({
          type: 'send_message',
          conversation_id: conversationId,
          content: `tick ${sent}`,
          client_id: `tick-${sent}`,
        })
        sent++
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
  }, 120_000)

  afterAll(async () => {
    sending = false
    await loop
    sender?.close()
    receiver?.close()
    await cluster?.close()
    await redis?.stop()
    await pg?.stop()
  })

  it('keeps acknowledging through a Redis restart, reports not-ready meanwhile, and resumes live delivery', async () => {
    await eventually(() => acked.size >= 20, 15_000)
    await redis.kill()
    await eventually(async () => (await api(cluster.nodes[0].url).get('/ready')).status === 503, 10_000)
    const duringOutage = acked.size
    await eventually(() => acked.size > duringOutage + 5, 10_000) // PostgreSQL commits go on without Redis

    await redis.restart()
    const back = Date.now()
    await eventually(async () => (await api(cluster.nodes[0].url).get('/ready')).status === 200, 15_000)
    // What was published during the outage reached no socket: the nodes ask every client to
    // reconnect (1012), and a reconnected client catches up by seq.
    await eventually(() => sender.closeCode === 1012 && receiver.closeCode === 1012, 15_000)
    const seenLive = receiver.seqs(conversationId)
    sender = await Client.connect(cluster.nodes[0].wsUrl, users[0].access)
    recordAcks(sender)
    receiver = await Client.connect(cluster.nodes[1].wsUrl, users[1].access)
    const lastSeen = Math.max(0, ...seenLive)
    receiver.send({ type: 'join_conversation', conversation_id: conversationId, after_seq: lastSeen })
    const caughtUp = await receiver.next((f) => f.type === 'history' && f.conversation_id === conversationId)
    const seqs = [...new Set([...seenLive, ...caughtUp.messages.map((m: { seq: number }) => m.seq)])].sort(
      (x, y) => x - y,
    )
    expect(seqs[0]).toBe(1)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)) // nothing missing up to what the catch-up returned
    expect(caughtUp.messages.length).toBeGreaterThan(0)
    // Live delivery across nodes resumes once both nodes are subscribed again (pub/sub is
    // fire-and-forget, so a message published mid-reconnect reaches clients by catch-up instead).
    await eventually(async () => {
      const mark = `after-redis-${Date.now()}`
      sender.send({ type: 'send_message', conversation_id: conversationId, content: mark, client_id: mark })
      return receiver
        .next((f) => f.type === 'new_message' && f.message.client_id === mark, 1_000)
        .then(
          () => true,
          () => false,
        )
    }, 15_000)
    expect(Date.now() - back).toBeLessThan(15_000)
  }, 60_000)

  it('answers 503 while PostgreSQL is down, acknowledges nothing it did not store, and recovers', async () => {
    await pg.kill()
    const res = await api(cluster.nodes[1].url).get(
      `/api/chat/conversations/${conversationId}/messages/?limit=5`,
      users[1].access,
    )
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    // Sends fail with an error frame that says to retry, and the socket stays open.
    const failed = await sender.next((f) => f.type === 'error', 15_000)
    expect(failed.code).toBe('unavailable')
    await pg.restart()
    const before = acked.size
    await eventually(() => acked.size > before + 5, 20_000).catch((err) => {
      const tail = sender.frames.slice(-5).map((f) => JSON.stringify(f).slice(0, 300))
      const logs = cluster.nodes.map((n) => n.output.join('').slice(-3000))
      throw new Error(
        `${String(err)}; sender readyState ${sender.ws.readyState} close ${sender.closeCode}; last frames:\n${tail.join('\n')}\nnode logs:\n${logs.join('\n---\n')}\npostgres log:\n${pg.logTail()}`,
      )
    })
    expect((await api(cluster.nodes[1].url).get('/ready')).status).toBe(200)
  }, 60_000)

  it('has every acknowledged message in the history, gapless, once', async () => {
    sending = false
    await loop
    await new Promise((r) => setTimeout(r, 500)) // let the last in-flight sends settle into ack or error
    const all: Array<{ seq: number; client_id: string | null }> = []
    for (let after = 0; ;) {
      const page = await api(cluster.nodes[1].url).get(
        `/api/chat/conversations/${conversationId}/messages/?after_seq=${after}&limit=100`,
        users[1].access,
      )
      expect(page.status).toBe(200)
      all.push(...page.body.messages)
      if (!page.body.has_more) break
      after = all[all.length - 1].seq
    }
    expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => i + 1))
    const ids = all.map((m) => m.client_id)
    expect(new Set(ids).size).toBe(ids.length)
    const missing = [...acked].filter((id) => !ids.includes(id))
    expect(missing).toEqual([])
    expect(acked.size).toBeGreaterThan(40)
  }, 60_000)
})
