import { api, eventually } from '@parley/platform/testing'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/** REST access rules and features of SPEC section 6. */
describe('chat REST API', () => {
  let c: ChatTest
  let owner: TestUser
  let admin: TestUser
  let member: TestUser
  let outsider: TestUser
  let foreigner: TestUser
  let group: string
  const http = () => api(c.t.url)

  beforeAll(async () => {
    c = await startChat()
    owner = await c.user({ firstName: 'Olga' })
    admin = await c.user()
    member = await c.user()
    outsider = await c.user()
    foreigner = await c.user({ tenantId: '0190aaaa-0000-7000-8000-000000000001' })
    const res = await http().post(
      '/api/chat/conversations/',
      { type: 'group', name: 'Team', participant_ids: [admin.id, member.id, owner.id] },
      owner.token,
    )
    expect(res.status).toBe(201)
    group = res.body.id
    expect(
      (
        await http().patch(
          `/api/chat/conversations/${group}/participants/${admin.id}/`,
          { role: 'admin' },
          owner.token,
        )
      ).body.role,
    ).toBe('admin')
  })
  afterAll(() => c?.close())

  it('hides conversations from non-members and other tenants behind 404', async () => {
    for (const u of [outsider, foreigner]) {
      expect((await http().get(`/api/chat/conversations/${group}/`, u.token)).status).toBe(404)
      expect((await http().get(`/api/chat/conversations/${group}/messages/`, u.token)).status).toBe(404)
      expect(
        (await http().post(`/api/chat/conversations/${group}/messages/`, { content: 'hi' }, u.token)).status,
      ).toBe(404)
      expect((await http().get(`/api/chat/conversations/${group}/participants/`, u.token)).status).toBe(404)
      expect(
        (await http().post(`/api/chat/conversations/${group}/read/`, { up_to_seq: 1 }, u.token)).status,
      ).toBe(404)
    }
    expect(
      (
        await http().post(
          '/api/chat/conversations/',
          { type: 'group', name: 'x', participant_ids: [foreigner.id] },
          owner.token,
        )
      ).status,
    ).toBe(404)
    // A malformed id is a 400 naming the parameter (it can be no one's object, so this tells nothing), never a 500.
    for (const [method, path] of [
      ['GET', '/api/chat/conversations/not-a-uuid/'],
      ['POST', '/api/chat/conversations/%F0%9F%99%82/join/'],
      ['GET', '/api/chat/conversations/x/messages/'],
      ['GET', `/api/chat/conversations/${group}/messages/1/edits/`],
      ['DELETE', `/api/chat/conversations/${group}/participants/me/`],
      ['POST', '/api/chat/messages/0/reactions/'],
      ['POST', '/api/chat/conversations/..%2F/read/'],
      ['GET', '/api/chat/attachments/abc/'],
    ] as const) {
      const res = await fetch(`${c.t.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${owner.token}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? '{}' : undefined,
      })
      expect(res.status, `${method} ${path}`).toBe(400)
      const body = (await res.json()) as { type: string; errors: Record<string, string[]> }
      expect(body.type, `${method} ${path}`).toBe('/problems/validation-error')
      expect(Object.keys(body.errors).join(), `${method} ${path}`).toMatch(/id/)
    }
    expect((await http().get('/api/chat/conversations/')).status).toBe(401)
  })

  it('applies roles: members cannot manage, admins manage members, the owner manages admins', async () => {
    const extra = await c.user()
    expect(
      (
        await http().post(
          `/api/chat/conversations/${group}/participants/`,
          { user_id: extra.id },
          member.token,
        )
      ).status,
    ).toBe(403)
    expect(
      (await http().patch(`/api/chat/conversations/${group}/`, { name: 'Mine' }, member.token)).status,
    ).toBe(403)
    expect(
      (
        await http().post(
          `/api/chat/conversations/${group}/participants/`,
          { user_id: extra.id },
          admin.token,
        )
      ).status,
    ).toBe(201)
    expect(
      (
        await http().patch(
          `/api/chat/conversations/${group}/participants/${extra.id}/`,
          { role: 'admin' },
          admin.token,
        )
      ).status,
    ).toBe(403)
    expect(
      (await http().delete(`/api/chat/conversations/${group}/participants/${owner.id}/`, admin.token)).status,
    ).toBe(403)
    expect(
      (await http().delete(`/api/chat/conversations/${group}/participants/${extra.id}/`, admin.token)).status,
    ).toBe(204)
    const renamed = await http().patch(
      `/api/chat/conversations/${group}/`,
      { name: 'Team A', topic: 'planning' },
      admin.token,
    )
    expect(renamed.body).toMatchObject({ name: 'Team A', topic: 'planning' })
    const list = await http().get(`/api/chat/conversations/${group}/participants/`, member.token)
    expect(list.body.results.map((p: any) => p.role)).toEqual(['owner', 'admin', 'member'])
    expect(
      (await http().post('/api/chat/conversations/', { type: 'group', participant_ids: [] }, owner.token))
        .status,
    ).toBe(400)
    expect(
      (await http().post('/api/chat/conversations/', { type: 'group', name: 'x', bogus: 1 }, owner.token))
        .status,
    ).toBe(400)
  })

  it('lets only owners and admins post in a channel, and lists and joins public channels', async () => {
    const ch = await http().post(
      '/api/chat/conversations/',
      { type: 'channel', name: 'News', is_public: true, participant_ids: [member.id] },
      owner.token,
    )
    const id = ch.body.id
    expect(
      (await http().post(`/api/chat/conversations/${id}/messages/`, { content: 'announcement' }, owner.token))
        .status,
    ).toBe(201)
    const denied = await http().post(
      `/api/chat/conversations/${id}/messages/`,
      { content: 'me too' },
      member.token,
    )
    expect(denied.status).toBe(403)
    expect(
      (await http().get('/api/chat/conversations/public/', outsider.token)).body.results.map(
        (r: any) => r.id,
      ),
    ).toContain(id)
    expect(
      (await http().get('/api/chat/conversations/public/', foreigner.token)).body.results.map(
        (r: any) => r.id,
      ),
    ).not.toContain(id)
    expect((await http().post(`/api/chat/conversations/${id}/join/`, {}, foreigner.token)).status).toBe(404)
    expect((await http().post(`/api/chat/conversations/${group}/join/`, {}, outsider.token)).status).toBe(404)
    expect((await http().post(`/api/chat/conversations/${id}/join/`, {}, outsider.token)).status).toBe(201)
    expect(
      (await http().get(`/api/chat/conversations/${id}/messages/`, outsider.token)).body.messages[0].content,
    ).toBe('announcement')
  })

  it('edits (author only, with history), deletes as tombstones (author or admin), reacts and counts unread', async () => {
    const send = (u: TestUser, content: string, extra = {}) =>
      http().post(`/api/chat/conversations/${group}/messages/`, { content, ...extra }, u.token)
    const m1 = (await send(member, 'first draft')).body
    const reply = await send(owner, 'answer', { reply_to: m1.id })
    expect(reply.body.reply_to).toBe(m1.id)
    expect((await send(owner, 'x', { reply_to: '0190aaaa-0000-7000-8000-000000000009' })).status).toBe(400)
    expect(
      (
        await http().patch(
          `/api/chat/conversations/${group}/messages/${m1.id}/`,
          { content: 'hack' },
          owner.token,
        )
      ).status,
    ).toBe(403)
    const edited = await http().patch(
      `/api/chat/conversations/${group}/messages/${m1.id}/`,
      { content: 'final' },
      member.token,
    )
    expect(edited.body).toMatchObject({ content: 'final' })
    expect(edited.body.edited_at).toBeTruthy()
    const edits = await http().get(`/api/chat/conversations/${group}/messages/${m1.id}/edits/`, admin.token)
    expect(edits.body.map((e: any) => e.previous_content)).toEqual(['first draft'])
    expect(
      (await http().get(`/api/chat/conversations/${group}/messages/${m1.id}/edits/`, outsider.token)).status,
    ).toBe(404)

    expect(
      (await http().post(`/api/chat/messages/${m1.id}/reactions/`, { emoji: '👍' }, owner.token)).status,
    ).toBe(201)
    expect(
      (await http().post(`/api/chat/messages/${m1.id}/reactions/`, { emoji: '👍' }, owner.token)).status,
    ).toBe(200)
    expect(
      (await http().post(`/api/chat/messages/${m1.id}/reactions/`, { emoji: '👍' }, outsider.token)).status,
    ).toBe(404)
    const got = await http().get(`/api/chat/conversations/${group}/messages/${m1.id}/`, member.token)
    expect(got.body.reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [owner.id] }])
    expect(
      (await http().delete(`/api/chat/messages/${m1.id}/reactions/${encodeURIComponent('👍')}/`, owner.token))
        .status,
    ).toBe(204)

    const m2 = (await send(member, 'oops')).body
    expect(
      (await http().delete(`/api/chat/conversations/${group}/messages/${m2.id}/`, owner.token)).status,
    ).toBe(204)
    const tomb = await http().get(`/api/chat/conversations/${group}/messages/${m2.id}/`, member.token)
    expect(tomb.body).toMatchObject({ deleted: true, content: '', seq: m2.seq })

    const mine = await http().get('/api/chat/conversations/', admin.token)
    const conv = mine.body.results.find((r: any) => r.id === group)
    expect(conv.unread_count).toBe(2) // m1 and the reply; the deleted one does not count
    expect(conv.last_message.id).toBe(reply.body.id)
    expect(conv.message_count).toBe(conv.last_seq - 1)
    await http().post(`/api/chat/conversations/${group}/read/`, { up_to_seq: reply.body.seq }, admin.token)
    await http().post(`/api/chat/conversations/${group}/read/`, { up_to_seq: reply.body.seq }, member.token)
    expect(
      (await http().get('/api/chat/conversations/', admin.token)).body.results.find(
        (r: any) => r.id === group,
      ).unread_count,
    ).toBe(0)
    const seen = await http().get(`/api/chat/conversations/${group}/messages/${reply.body.id}/`, owner.token)
    expect(seen.body).toMatchObject({ is_seen: true, is_delivered: true })
  })

  it('pages history by seq and searches words in any script', async () => {
    const ch = (
      await http().post(
        '/api/chat/conversations/',
        { type: 'group', name: 'pages', participant_ids: [member.id] },
        owner.token,
      )
    ).body.id
    for (const text of [
      'the quick brown fox',
      '東京で会議があります',
      '今天天气很好',
      'lazy dog jumps',
      'brown bread',
    ]) {
      await http().post(`/api/chat/conversations/${ch}/messages/`, { content: text }, owner.token)
    }
    const search = async (q: string) =>
      (
        await http().get(
          `/api/chat/conversations/${ch}/messages/?search=${encodeURIComponent(q)}`,
          member.token,
        )
      ).body.messages.map((m: any) => m.content)
    expect(await search('brown')).toEqual(['the quick brown fox', 'brown bread'])
    expect(await search('fox quick')).toEqual(['the quick brown fox'])
    expect(await search('会議')).toEqual(['東京で会議があります'])
    expect(await search('天气')).toEqual(['今天天气很好'])
    expect(await search('100%')).toEqual([])
    const last2 = await http().get(`/api/chat/conversations/${ch}/messages/?limit=2`, member.token)
    expect(last2.body.messages.map((m: any) => m.seq)).toEqual([4, 5])
    expect(last2.body.has_more).toBe(true)
    expect(
      (
        await http().get(`/api/chat/conversations/${ch}/messages/?before_seq=4&limit=2`, member.token)
      ).body.messages.map((m: any) => m.seq),
    ).toEqual([2, 3])
    expect(
      (
        await http().get(`/api/chat/conversations/${ch}/messages/?after_seq=3`, member.token)
      ).body.messages.map((m: any) => m.seq),
    ).toEqual([4, 5])
    expect((await http().get(`/api/chat/conversations/${ch}/messages/?limit=101`, member.token)).status).toBe(
      400,
    )
  })

  it('creates direct conversations from contact events and makes them read-only when the contact ends', async () => {
    const a = await c.user()
    const b = await c.user()
    expect(
      (await http().post('/api/chat/conversations/', { type: 'direct', participant_ids: [b.id] }, a.token))
        .status,
    ).toBe(403)
    const room = await c.contacts(a, b)
    const direct = await http().post(
      '/api/chat/conversations/',
      { type: 'direct', participant_ids: [b.id] },
      a.token,
    )
    expect(direct.status).toBe(200)
    expect(direct.body.id).toBe(room)
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'hey' }, b.token)).status,
    ).toBe(201)
    await c.event('user.blocked', a.tenantId, { blocker_id: a.id, blocked_id: b.id, room_id: room })
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'blocked' }, b.token)).body
        .type,
    ).toBe('/problems/conversation-read-only')
    await c.event('user.unblocked', a.tenantId, { blocker_id: a.id, blocked_id: b.id, room_id: room })
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'back' }, b.token)).status,
    ).toBe(201)
    await c.event('contact.removed', a.tenantId, { room_id: room, user_ids: [a.id, b.id] })
    expect(
      (await http().post(`/api/chat/conversations/${room}/messages/`, { content: 'gone' }, a.token)).status,
    ).toBe(403)
    await c.event('user.unblocked', a.tenantId, { blocker_id: a.id, blocked_id: b.id, room_id: room })
    expect((await http().get(`/api/chat/conversations/${room}/`, a.token)).body.is_read_only).toBe(true)
    expect(
      (await http().get(`/api/chat/conversations/${room}/messages/`, a.token)).body.messages.map(
        (m: any) => m.content,
      ),
    ).toEqual(['hey', 'back'])
  })

  it('answers sync with every change since a cursor, in order', async () => {
    const start = (await http().get('/api/chat/sync/', member.token)).body
    expect(start.events).toEqual([])
    const m = (
      await http().post(`/api/chat/conversations/${group}/messages/`, { content: 'sync me' }, owner.token)
    ).body
    await http().patch(
      `/api/chat/conversations/${group}/messages/${m.id}/`,
      { content: 'synced' },
      owner.token,
    )
    await http().delete(`/api/chat/conversations/${group}/messages/${m.id}/`, owner.token)
    const after = (await http().get(`/api/chat/sync/?since=${start.next}`, member.token)).body
    expect(after.events.filter((e: any) => e.data.message_id === m.id).map((e: any) => e.type)).toEqual([
      'message.new',
      'message.edited',
      'message.deleted',
    ])
    expect((await http().get(`/api/chat/sync/?since=${after.next}`, member.token)).body.events).toEqual([])
    expect(
      (await http().get(`/api/chat/sync/?since=${start.next}`, outsider.token)).body.events.filter(
        (e: any) => e.conversation_id === group,
      ),
    ).toEqual([])
    expect((await http().get('/api/chat/sync/?since=garbage', member.token)).status).toBe(400)
  })

  it('tracks presence across several sockets and the status a user chooses', async () => {
    const one = await TestSocket.open(c.t.wsUrl, member.token)
    const two = await TestSocket.open(c.t.wsUrl, member.token)
    expect(
      (await http().get(`/api/chat/presence/?user_ids=${member.id},${foreigner.id}`, owner.token)).body,
    ).toEqual([expect.objectContaining({ user_id: member.id, status: 'online' })])
    await http().put('/api/chat/presence/me/', { status: 'busy' }, member.token)
    await one.close()
    expect((await http().get('/api/chat/presence/me/', member.token)).body.status).toBe('busy')
    await two.close()
    // The server sees the close a moment after the client does.
    const off = await eventually(async () => {
      const res = await http().get(`/api/chat/presence/?user_ids=${member.id}`, owner.token)
      return res.body[0].status === 'offline' && res
    })
    expect(off.body[0].last_seen).toBeTruthy()
    expect((await http().put('/api/chat/presence/me/', { status: 'sleeping' }, member.token)).status).toBe(
      400,
    )
  })

  it('uploads attachments checked by content and serves them only to members', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#f00' } })
      .png()
      .toBuffer()
    const upload = async (u: TestUser, bytes: Buffer, name: string) => {
      const form = new FormData()
      form.append('file', new Blob([bytes]), name)
      const res = await fetch(`${c.t.url}/api/chat/upload/`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${u.token}` },
      })
      return { status: res.status, body: (await res.json()) as any }
    }
    const img = await upload(member, png, 'red.png')
    expect(img.status).toBe(201)
    expect(img.body).toMatchObject({ content_type: 'image/png', width: 40, height: 30, size: png.length })
    expect((await upload(member, Buffer.from('hello\nworld'), 'a.txt')).body.content_type).toBe('text/plain')
    expect((await upload(member, Buffer.from([0, 1, 2, 3, 255, 254]), 'x.bin')).status).toBe(415)
    expect((await http().get(`/api/chat/attachments/${img.body.id}/`, outsider.token)).status).toBe(404)
    expect(
      (
        await fetch(`${c.t.url}/api/chat/attachments/${img.body.id}/`, {
          headers: { authorization: `Bearer ${member.token}` },
        })
      ).status,
    ).toBe(200)
    const sent = await http().post(
      `/api/chat/conversations/${group}/messages/`,
      { content: 'look', message_type: 'image', attachment_ids: [img.body.id] },
      member.token,
    )
    expect(sent.status).toBe(201)
    expect(sent.body.attachments[0]).toMatchObject({ id: img.body.id, width: 40 })
    expect(
      (
        await http().post(
          `/api/chat/conversations/${group}/messages/`,
          { content: 'again', attachment_ids: [img.body.id] },
          owner.token,
        )
      ).status,
    ).toBe(400)
    const asMember = await fetch(`${c.t.url}/api/chat/attachments/${img.body.id}/`, {
      headers: { authorization: `Bearer ${admin.token}` },
    })
    expect(Buffer.from(await asMember.arrayBuffer()).equals(png)).toBe(true)
    expect((await http().get(`/api/chat/attachments/${img.body.id}/`, outsider.token)).status).toBe(404)
    // The URL in the message is no capability: without a member's token it opens nothing (issue 14 point 6).
    const url = sent.body.attachments[0].url as string
    expect(url).toBe(`/api/chat/attachments/${img.body.id}/`)
    expect((await fetch(`${c.t.url}${url}`)).status).toBe(401)
  })

  it('serves seed 000 message endpoints', async () => {
    expect((await http().get('/messages/')).status).toBe(200)
    expect((await http().get('/api/chat/health/')).status).toBe(200)
    expect((await http().get('/messages/test-auth/', member.token)).body.user_id).toBe(member.id)
    expect(
      (await http().post('/messages/check-chat-access/', { room_id: group }, member.token)).body.has_access,
    ).toBe(true)
    expect(
      (await http().post('/messages/check-chat-access/', { room_id: group }, outsider.token)).body.has_access,
    ).toBe(false)
    const sent = await http().post(
      '/messages/send-message/',
      { room_id: group, content: 'legacy hello' },
      member.token,
    )
    expect(sent.status).toBe(201)
    const fetched = await http().post('/messages/fetch-messages/', { room_id: group, limit: 1 }, owner.token)
    expect(fetched.body.messages[0].id).toBe(sent.body.id)
    expect(
      (await http().post('/messages/send-message/', { room_id: group, content: 'nope' }, outsider.token))
        .status,
    ).toBe(404)
    // A room_id that is no UUID is a 400 before it reaches the group commit (it was a 500).
    const bad = await http().post(
      '/messages/send-message/',
      { room_id: 'x', content: 'hi', reply_to: null },
      member.token,
    )
    expect(bad.status).toBe(400)
    expect(bad.body.errors.room_id).toBeDefined()
  })
})
