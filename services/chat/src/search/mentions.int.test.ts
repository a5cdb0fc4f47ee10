import { api } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/**
 * Mentions: derived by the server from `@username` of members (never trusted from the client),
 * stored on the message in the send statement, counted per conversation as unread mentions, and
 * listed by GET /api/chat/mentions/ for the conversations the caller is a member of.
 */
describe('mentions', () => {
  let c: ChatTest
  let owner: TestUser
  let alice: TestUser
  let bob: TestUser
  let outsider: TestUser
  let group: string
  const http = () => api(c.t.url)

  const send = async (u: TestUser, content: string, conv = group) => {
    const res = await http().post(`/api/chat/conversations/${conv}/messages/`, { content }, u.token)
    expect(res.status).toBe(201)
    return res.body as { id: string; seq: number; mentions: string[] }
  }
  const mentionsOf = async (u: TestUser, query = '') => http().get(`/api/chat/mentions/${query}`, u.token)
  const listed = async (u: TestUser) =>
    (await http().get('/api/chat/conversations/', u.token)).body.results.find(
      (x: { id: string }) => x.id === group,
    ) as { unread_count: number; unread_mention_count: number }

  beforeAll(async () => {
    c = await startChat()
    owner = await c.user()
    alice = await c.user()
    bob = await c.user()
    outsider = await c.user()
    group = (
      await http().post(
        '/api/chat/conversations/',
        { type: 'group', name: 'Team', participant_ids: [alice.id, bob.id] },
        owner.token,
      )
    ).body.id
  })
  afterAll(() => c?.close())

  it('stores the members a message names, never non-members, e-mail addresses or the sender', async () => {
    const m = await send(
      owner,
      `hi @${alice.username.toUpperCase()}, @${outsider.username} and @${owner.username}; mail ${bob.username}@example.com`,
    )
    expect(m.mentions).toEqual([alice.id])
    const plain = await send(owner, 'no mentions here')
    expect(plain.mentions).toEqual([])
    // Stored, not only answered: the history shows them too.
    const page = await http().get(
      `/api/chat/conversations/${group}/messages/?after_seq=${m.seq - 1}&limit=1`,
      bob.token,
    )
    expect(page.body.messages[0].mentions).toEqual([alice.id])
  })

  it("derives mentions on the socket path too, in the ack and in every member's new_message", async () => {
    const sa = await TestSocket.open(c.t.wsUrl, alice.token)
    const sb = await TestSocket.open(c.t.wsUrl, bob.token)
    try {
      const ack = await sa.request(
        {
          type: 'send_message',
          conversation_id: group,
          content: `@${bob.username} over the socket`,
          client_id: 'ws-1',
        },
        'message_ack',
      )
      expect(ack.message.mentions).toEqual([bob.id])
      const live = await sb.next('new_message', (f) => f.message.id === ack.message.id)
      expect(live.message.mentions).toEqual([bob.id])
    } finally {
      await sa.close()
      await sb.close()
    }
  })

  it('takes a trailing full stop off a name', async () => {
    expect((await send(alice, `thanks @${bob.username}.`)).mentions).toEqual([bob.id])
  })

  it('lets only owners and admins of a group name everyone with @here / @channel', async () => {
    const fromMember = await send(bob, '@channel lunch?')
    expect(fromMember.mentions).toEqual([])
    const fromOwner = await send(owner, '@here standup now')
    expect([...fromOwner.mentions].sort()).toEqual([alice.id, bob.id].sort())
  })

  it('counts unread mentions per conversation in the list until they are read', async () => {
    const before = await listed(alice)
    // Owner's @here: the @alice before it counts as read, since she wrote after it (sending moves
    // the sender's read position); bob's @channel was plain text.
    expect(before.unread_mention_count).toBe(1)
    expect(before.unread_count).toBeGreaterThan(before.unread_mention_count)
    expect((await listed(bob)).unread_mention_count).toBe(1)
    const last = await http().get(`/api/chat/conversations/${group}/`, alice.token)
    await http().post(
      `/api/chat/conversations/${group}/read/`,
      { up_to_seq: last.body.last_seq },
      alice.token,
    )
    expect((await listed(alice)).unread_mention_count).toBe(0)
  })

  it('lists my mentions newest first with a cursor', async () => {
    const first = await mentionsOf(alice, '?limit=1')
    expect(first.status).toBe(200)
    expect(first.body.results).toHaveLength(1)
    expect(first.body.results[0].message.content).toBe('@here standup now')
    expect(first.body.results[0].conversation).toEqual({ id: group, type: 'group', name: 'Team' })
    expect(first.body.results[0].is_unread).toBe(false)
    const second = await mentionsOf(alice, `?limit=1&cursor=${first.body.next_cursor}`)
    expect(second.body.results[0].message.content).toMatch(/^hi @/)
    expect(second.body.next_cursor).toBeNull()
    expect((await mentionsOf(alice)).body.results).toHaveLength(2)
  })

  it('names members anew when a message is edited', async () => {
    const m = await send(owner, `ping @${bob.username}`)
    const edited = await http().patch(
      `/api/chat/conversations/${group}/messages/${m.id}/`,
      { content: `ping @${alice.username}` },
      owner.token,
    )
    expect(edited.body.mentions).toEqual([alice.id])
    const bobs = (await mentionsOf(bob)).body.results.map((r: { message: { id: string } }) => r.message.id)
    expect(bobs).not.toContain(m.id)
  })

  it('shows nothing of a conversation I am not a member of, or of another tenant', async () => {
    expect((await mentionsOf(outsider)).body.results).toEqual([])
    const foreigner = await c.user({ tenantId: crypto.randomUUID() })
    expect((await mentionsOf(foreigner)).body.results).toEqual([])
    // Removed from the group: its mentions leave the list.
    const removed = await http().delete(
      `/api/chat/conversations/${group}/participants/${bob.id}/`,
      owner.token,
    )
    expect(removed.status).toBe(204)
    expect((await mentionsOf(bob)).body.results).toEqual([])
  })

  it('refuses a malformed cursor or limit with problem+json', async () => {
    for (const q of ['?cursor=nope', '?limit=0', '?limit=51', '?other=1']) {
      const res = await mentionsOf(alice, q)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await http().get('/api/chat/mentions/')).status).toBe(401)
  })
})
