import { createDecipheriv, createECDH, type ECDH, hkdfSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { api, eventually } from '@parley/platform/testing'
import { importJWK, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'
import type { PushOutcome } from './push-sender'

/** A push request as the local push service received it. */
interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A stand-in for a browser's push service: records each POST and answers per path. */
class LocalPushService {
  readonly received: Received[] = []
  /** Path → status to answer (201 unless set); a promise holds the answer until it settles. */
  readonly answers = new Map<string, number | Promise<number>>()
  private server!: Server
  url = ''

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const path = req.url ?? ''
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks) })
        void Promise.resolve(this.answers.get(path) ?? 201).then((status) => res.writeHead(status).end())
      })
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  close() {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(resolve))
  }
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = randomBytes(16)
  return {
    ecdh,
    auth,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  }
}

/** RFC 8291 (aes128gcm, one record), decrypted as the browser does, independently of web-push. */
function decryptPush(body: Buffer, receiver: ECDH, authSecret: Buffer): string {
  const salt = body.subarray(0, 16)
  const idLength = body[20]
  const senderKey = body.subarray(21, 21 + idLength)
  const record = body.subarray(21 + idLength)
  const shared = receiver.computeSecret(senderKey)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.getPublicKey(), senderKey])
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32))
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(record.subarray(record.length - 16))
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  expect(padded[end]).toBe(2) // the last record's delimiter
  return padded.subarray(0, end).toString('utf8')
}

/** Checks the VAPID Authorization header (RFC 8292): an ES256 JWT for the endpoint's origin, signed by `k`. */
async function verifyVapid(authorization: string | undefined, audience: string, publicKey: string) {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(authorization ?? '')
  expect(m, authorization).not.toBeNull()
  expect(m![2]).toBe(publicKey)
  const raw = Buffer.from(publicKey, 'base64url')
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  )
  const { payload } = await jwtVerify(m![1], key, { audience })
  expect(payload.sub).toMatch(/^(mailto:|https:)/)
  expect(payload.exp! * 1000).toBeGreaterThan(Date.now())
}

describe('notifications: mute, do-not-disturb and Web Push', () => {
  let c: ChatTest
  let push: LocalPushService
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let outsider: TestUser
  let foreigner: TestUser
  let room: string
  let group: string
  const outcomes: PushOutcome[] = []
  const http = () => api(c.t.url)
  const outcomeOf = (messageId: string) => eventually(() => outcomes.find((o) => o.messageId === messageId))

  beforeAll(async () => {
    push = new LocalPushService()
    await push.start()
    c = await startChat({ onPushRound: (o) => outcomes.push(...o) })
    alice = await c.user({ firstName: 'Alice' })
    bob = await c.user({ firstName: 'Bob' })
    carol = await c.user({ firstName: 'Carol' })
    outsider = await c.user()
    foreigner = await c.user({ tenantId: '0190aaaa-0000-7000-8000-000000000002' })
    room = await c.contacts(alice, bob)
    await eventually(
      async () => (await http().get(`/api/chat/conversations/${room}/`, bob.token)).status === 200,
    )
    const g = await http().post(
      '/api/chat/conversations/',
      { type: 'group', name: 'Team', participant_ids: [bob.id, carol.id] },
      alice.token,
    )
    group = g.body.id
  })
  afterAll(async () => {
    await c?.close()
    await push?.close()
  })

  describe('mute', () => {
    it('mutes a conversation for me only, shows it in my list and tells my other sockets', async () => {
      const other = await TestSocket.open(c.t.wsUrl, bob.token)
      const res = await http().put(`/api/chat/conversations/${group}/mute/`, { muted: true }, bob.token)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ conversation_id: group, muted: true })
      expect(await other.next('conversation_muted')).toMatchObject({ conversation_id: group, muted: true })

      const mine = (await http().get('/api/chat/conversations/', bob.token)).body.results
      expect(mine.find((x: { id: string }) => x.id === group).muted).toBe(true)
      expect(mine.find((x: { id: string }) => x.id === room).muted).toBe(false)
      expect((await http().get(`/api/chat/conversations/${group}/`, bob.token)).body.muted).toBe(true)
      // Another member's view is untouched.
      expect((await http().get(`/api/chat/conversations/${group}/`, alice.token)).body.muted).toBe(false)

      // Muting twice is the same; unmuting brings it back.
      expect(
        (await http().put(`/api/chat/conversations/${group}/mute/`, { muted: true }, bob.token)).status,
      ).toBe(200)
      const off = await http().put(`/api/chat/conversations/${group}/mute/`, { muted: false }, bob.token)
      expect(off.body).toEqual({ conversation_id: group, muted: false })
      expect(await other.next('conversation_muted', (f) => f.muted === false)).toBeTruthy()
      expect((await http().get(`/api/chat/conversations/${group}/`, bob.token)).body.muted).toBe(false)
      await other.close()
    })

    it('answers 404 to non-members and other tenants, 400 to a bad body, 401 without a token', async () => {
      for (const u of [outsider, foreigner]) {
        const res = await http().put(`/api/chat/conversations/${group}/mute/`, { muted: true }, u.token)
        expect(res.status).toBe(404)
        expect(res.body.type).toBe('/problems/conversation-not-found')
      }
      expect(
        (await http().put('/api/chat/conversations/not-a-uuid/mute/', { muted: true }, bob.token)).status,
      ).toBe(404)
      const bad = await http().put(`/api/chat/conversations/${group}/mute/`, { muted: 'yes' }, bob.token)
      expect(bad.status).toBe(400)
      expect(bad.headers.get('content-type')).toContain('application/problem+json')
      expect(
        (await http().put(`/api/chat/conversations/${group}/mute/`, { muted: true, x: 1 }, bob.token)).status,
      ).toBe(400)
      expect((await http().put(`/api/chat/conversations/${group}/mute/`, { muted: true })).status).toBe(401)
    })
  })

  describe('do-not-disturb', () => {
    it('starts off, switches on for every device of mine only, and validates its body', async () => {
      const before = await http().get('/api/chat/notifications/settings/', carol.token)
      expect(before.status).toBe(200)
      expect(before.body).toEqual({ do_not_disturb: false, updated_at: null })

      const other = await TestSocket.open(c.t.wsUrl, carol.token)
      const on = await http().put('/api/chat/notifications/settings/', { do_not_disturb: true }, carol.token)
      expect(on.status).toBe(200)
      expect(on.body.do_not_disturb).toBe(true)
      expect(on.body.updated_at).toEqual(expect.any(String))
      expect(await other.next('notification_settings')).toMatchObject({ do_not_disturb: true })
      expect((await http().get('/api/chat/notifications/settings/', carol.token)).body.do_not_disturb).toBe(
        true,
      )
      expect((await http().get('/api/chat/notifications/settings/', alice.token)).body.do_not_disturb).toBe(
        false,
      )

      const off = await http().put(
        '/api/chat/notifications/settings/',
        { do_not_disturb: false },
        carol.token,
      )
      expect(off.body.do_not_disturb).toBe(false)
      await other.close()

      const bad = await http().put('/api/chat/notifications/settings/', { dnd: true }, carol.token)
      expect(bad.status).toBe(400)
      expect(bad.body.type).toBe('/problems/validation-error')
      expect((await http().get('/api/chat/notifications/settings/')).status).toBe(401)
      expect((await http().put('/api/chat/notifications/settings/', { do_not_disturb: true })).status).toBe(
        401,
      )
    })
  })

  describe('push subscriptions', () => {
    it('gives a stable VAPID public key to signed-in users', async () => {
      const a = await http().get('/api/chat/push/vapid-public-key/', alice.token)
      expect(a.status).toBe(200)
      expect(Buffer.from(a.body.public_key, 'base64url')).toHaveLength(65)
      expect((await http().get('/api/chat/push/vapid-public-key/', bob.token)).body).toEqual(a.body)
      expect((await http().get('/api/chat/push/vapid-public-key/')).status).toBe(401)
    })

    it('stores one subscription per browser, lists and deletes only my own', async () => {
      const { keys } = browserKeys()
      const endpoint = `${push.url}/push/sub-test`
      const created = await http().post('/api/chat/push/subscriptions/', { endpoint, keys }, outsider.token)
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ endpoint, id: expect.any(String) })
      const again = await http().post(
        '/api/chat/push/subscriptions/',
        { endpoint, keys, expirationTime: null },
        outsider.token,
      )
      expect(again.status).toBe(200)
      expect(again.body.id).toBe(created.body.id)

      const list = await http().get('/api/chat/push/subscriptions/', outsider.token)
      expect(list.body).toMatchObject({ count: 1, next: null, previous: null })
      expect(list.body.results[0].id).toBe(created.body.id)
      expect((await http().get('/api/chat/push/subscriptions/', foreigner.token)).body.count).toBe(0)

      for (const u of [foreigner, alice]) {
        const other = await http().delete(`/api/chat/push/subscriptions/${created.body.id}/`, u.token)
        expect(other.status).toBe(404)
        expect(other.body.type).toBe('/problems/push-subscription-not-found')
      }
      expect((await http().delete('/api/chat/push/subscriptions/nope/', outsider.token)).status).toBe(404)
      expect((await http().delete(`/api/chat/push/subscriptions/${created.body.id}/`)).status).toBe(401)
      expect(
        (await http().delete(`/api/chat/push/subscriptions/${created.body.id}/`, outsider.token)).status,
      ).toBe(204)
      expect((await http().get('/api/chat/push/subscriptions/', outsider.token)).body.count).toBe(0)
    })

    it('keeps at most 20 browsers per user, forgetting the oldest', async () => {
      const user = await c.user()
      const ids: string[] = []
      for (let i = 0; i < 21; i++) {
        const res = await http().post(
          '/api/chat/push/subscriptions/',
          { endpoint: `${push.url}/push/many-${i}`, keys: browserKeys().keys },
          user.token,
        )
        expect(res.status).toBe(201)
        ids.push(res.body.id)
      }
      const list = await http().get('/api/chat/push/subscriptions/?page_size=100', user.token)
      expect(list.body.count).toBe(20)
      const kept = list.body.results.map((s: { id: string }) => s.id)
      expect(kept).not.toContain(ids[0])
      expect(kept).toContain(ids[20])
    })

    it('refuses malformed subscriptions with problem+json', async () => {
      const { keys } = browserKeys()
      const post = (body: unknown) => http().post('/api/chat/push/subscriptions/', body, outsider.token)
      for (const body of [
        { endpoint: 'ftp://push.example.com/x', keys },
        { endpoint: 'https://user:pw@push.example.com/x', keys },
        { endpoint: 'not a url', keys },
        { endpoint: `${push.url}/push/x`, keys: { ...keys, p256dh: 'AAAAAAAAAAAAAAAAAAAAAA' } },
        { endpoint: `${push.url}/push/x`, keys: { ...keys, auth: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA' } },
        { endpoint: `${push.url}/push/x`, keys, extra: true },
        { endpoint: `${push.url}/push/x` },
      ]) {
        const res = await post(body)
        expect(res.status, JSON.stringify(body)).toBe(400)
        expect(res.headers.get('content-type')).toContain('application/problem+json')
      }
      expect(
        (await http().post('/api/chat/push/subscriptions/', { endpoint: `${push.url}/x`, keys })).status,
      ).toBe(401)
    })
  })

  describe('Web Push delivery', () => {
    let bobBrowser: ReturnType<typeof browserKeys>
    let bobSubscription: string
    const bobPath = '/push/bob'
    const requestsTo = (path: string) => push.received.filter((r) => r.path === path)
    const send = async (from: TestUser, conversation: string, content: string) => {
      const res = await http().post(
        `/api/chat/conversations/${conversation}/messages/`,
        { content },
        from.token,
      )
      expect(res.status).toBe(201)
      return res.body as { id: string; seq: number }
    }

    beforeAll(async () => {
      bobBrowser = browserKeys()
      const res = await http().post(
        '/api/chat/push/subscriptions/',
        { endpoint: `${push.url}${bobPath}`, keys: bobBrowser.keys },
        bob.token,
      )
      expect(res.status).toBe(201)
      bobSubscription = res.body.id
    })

    it('pushes a direct message to a recipient with no live socket: VAPID-signed, encrypted, no message text', async () => {
      const vapid = (await http().get('/api/chat/push/vapid-public-key/', bob.token)).body
        .public_key as string
      const message = await send(alice, room, 'the secret plan')
      const outcome = await outcomeOf(message.id)
      expect(outcome.pushed).toEqual([bob.id])

      const [req] = requestsTo(bobPath)
      expect(req).toBeDefined()
      expect(req.headers['content-encoding']).toBe('aes128gcm')
      expect(req.headers.ttl).toBe(String(24 * 3600))
      expect(req.headers.urgency).toBe('high')
      expect(req.headers.topic).toBe(room.replace(/-/g, ''))
      await verifyVapid(req.headers.authorization, push.url, vapid)

      const payload = JSON.parse(decryptPush(req.body, bobBrowser.ecdh, bobBrowser.auth))
      expect(payload).toEqual({
        type: 'message',
        conversation_id: room,
        message_id: message.id,
        seq: message.seq,
        title: 'Alice',
        body: 'New message',
        url: `/chats/${room}`,
      })
      expect(JSON.stringify(payload)).not.toContain('secret plan')
      // The sender is never pushed their own message.
      expect(outcome.skipped).toEqual([])
    })

    it('never holds the send: the message is answered while its push is still in flight', async () => {
      let release!: (status: number) => void
      push.answers.set(bobPath, new Promise<number>((resolve) => (release = resolve)))
      const before = requestsTo(bobPath).length
      const message = await send(alice, room, 'while the push service is slow')
      // The REST answer came back; the push request is (or will be) waiting at the push service.
      await eventually(() => requestsTo(bobPath).length > before)
      expect(outcomes.find((o) => o.messageId === message.id)).toBeUndefined()
      release(201)
      push.answers.delete(bobPath)
      expect((await outcomeOf(message.id)).pushed).toEqual([bob.id])
    })

    it('does not push a recipient who has a live socket', async () => {
      const socket = await TestSocket.open(c.t.wsUrl, bob.token)
      await eventually(
        async () =>
          (await http().get(`/api/chat/presence/?user_ids=${bob.id}`, alice.token)).body[0]?.status ===
          'online',
      )
      const before = requestsTo(bobPath).length
      const message = await send(alice, room, 'you are here')
      const outcome = await outcomeOf(message.id)
      expect(outcome.pushed).toEqual([])
      expect(outcome.skipped).toEqual([{ userId: bob.id, reason: 'online' }])
      expect(requestsTo(bobPath)).toHaveLength(before)
      await socket.close()
      await eventually(
        async () =>
          (await http().get(`/api/chat/presence/?user_ids=${bob.id}`, alice.token)).body[0]?.status ===
          'offline',
      )
    })

    it('honours mute and do-not-disturb', async () => {
      const before = requestsTo(bobPath).length
      await http().put(`/api/chat/conversations/${room}/mute/`, { muted: true }, bob.token)
      const muted = await send(alice, room, 'muted')
      expect((await outcomeOf(muted.id)).skipped).toEqual([{ userId: bob.id, reason: 'muted' }])
      await http().put(`/api/chat/conversations/${room}/mute/`, { muted: false }, bob.token)

      await http().put('/api/chat/notifications/settings/', { do_not_disturb: true }, bob.token)
      const quiet = await send(alice, room, 'do not disturb')
      expect((await outcomeOf(quiet.id)).skipped).toEqual([{ userId: bob.id, reason: 'do_not_disturb' }])
      await http().put('/api/chat/notifications/settings/', { do_not_disturb: false }, bob.token)
      expect(requestsTo(bobPath)).toHaveLength(before)

      const loud = await send(alice, room, 'back')
      expect((await outcomeOf(loud.id)).pushed).toEqual([bob.id])
      expect(requestsTo(bobPath)).toHaveLength(before + 1)
    })

    it('does not push group messages that mention nobody', async () => {
      const before = push.received.length
      const message = await send(alice, group, 'hello team')
      const outcome = await outcomeOf(message.id)
      expect(outcome.pushed).toEqual([])
      expect(push.received).toHaveLength(before)
    })

    it('deletes a subscription the push service calls gone (410)', async () => {
      push.answers.set(bobPath, 410)
      const message = await send(alice, room, 'anyone there?')
      const outcome = await outcomeOf(message.id)
      expect(outcome.removed).toEqual([bobSubscription])
      expect(outcome.pushed).toEqual([])
      expect((await http().get('/api/chat/push/subscriptions/', bob.token)).body.count).toBe(0)

      const count = requestsTo(bobPath).length
      const next = await send(alice, room, 'still there?')
      expect((await outcomeOf(next.id)).pushed).toEqual([])
      expect(requestsTo(bobPath)).toHaveLength(count)
    })
  })
})
