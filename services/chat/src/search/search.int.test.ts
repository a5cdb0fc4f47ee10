import { api } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, type TestUser } from '../testing/harness'

/**
 * GET /api/chat/search/messages/ across the caller's conversations (any script, cursor-paged),
 * and the history page around a message that a hit jumps to.
 */
describe('message search across conversations', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let foreigner: TestUser
  let team: string
  let direct: string
  let secret: string
  let foreign: string
  const http = () => api(c.t.url)

  const group = async (u: TestUser, name: string, ids: string[]) =>
    (await http().post('/api/chat/conversations/', { type: 'group', name, participant_ids: ids }, u.token))
      .body.id as string
  const send = async (u: TestUser, conv: string, content: string) =>
    (await http().post(`/api/chat/conversations/${conv}/messages/`, { content }, u.token)).body as {
      id: string
      seq: number
    }
  const search = (u: TestUser, query: string) => http().get(`/api/chat/search/messages/${query}`, u.token)
  const contents = async (u: TestUser, q: string) =>
    (await search(u, `?q=${encodeURIComponent(q)}`)).body.results.map(
      (r: { message: { content: string } }) => r.message.content,
    )

  beforeAll(async () => {
    c = await startChat()
    alice = await c.user()
    bob = await c.user()
    carol = await c.user()
    foreigner = await c.user({ tenantId: crypto.randomUUID() })
    team = await group(alice, 'Team', [bob.id])
    direct = await c.contacts(alice, bob)
    secret = await group(bob, 'Secret', [carol.id])
    foreign = await group(foreigner, 'Elsewhere', [])
    await send(alice, team, 'Quarterly report is ready')
    await send(bob, direct, '報告書を送りました report')
    await send(bob, team, '서울에서 회의가 있습니다')
    await send(bob, secret, 'secret report 報告書 회의')
    await send(foreigner, foreign, 'foreign report 報告書 회의')
  })
  afterAll(() => c?.close())

  it('finds every term in any script in all my conversations, newest first', async () => {
    expect(await contents(alice, 'report')).toEqual([
      '報告書を送りました report',
      'Quarterly report is ready',
    ])
    expect(await contents(alice, '報告書')).toEqual(['報告書を送りました report'])
    expect(await contents(alice, '회의')).toEqual(['서울에서 회의가 있습니다'])
    expect(await contents(alice, 'READY quarterly')).toEqual(['Quarterly report is ready'])
    const [hit] = (await search(alice, '?q=회의')).body.results
    expect(hit.conversation).toEqual({ id: team, type: 'group', name: 'Team' })
    expect(hit.is_unread).toBe(true)
  })

  it('never answers a message of a conversation I am not in, nor of another tenant', async () => {
    expect(await contents(carol, 'report')).toEqual(['secret report 報告書 회의'])
    expect(await contents(foreigner, '報告書')).toEqual(['foreign report 報告書 회의'])
    const leaver = await c.user()
    const room = await group(alice, 'Leaving', [leaver.id])
    await send(alice, room, 'farewell report')
    expect(await contents(leaver, 'farewell')).toEqual(['farewell report'])
    expect((await http().delete(`/api/chat/conversations/${room}/`, leaver.token)).status).toBe(204)
    expect(await contents(leaver, 'farewell')).toEqual([])
  })

  it('never finds a deleted message', async () => {
    const m = await send(alice, team, 'typo message zzqx')
    expect(await contents(alice, 'zzqx')).toEqual(['typo message zzqx'])
    await http().delete(`/api/chat/conversations/${team}/messages/${m.id}/`, alice.token)
    expect(await contents(alice, 'zzqx')).toEqual([])
  })

  it('pages with a cursor, through every hit exactly once', async () => {
    const all = await contents(alice, 'report')
    expect(all.length).toBeGreaterThanOrEqual(3)
    const paged: string[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const res = await search(alice, `?q=report&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.body.results).toHaveLength(1)
      paged.push(res.body.results[0].message.content)
      cursor = res.body.next_cursor
    }
    expect(paged).toEqual(all)
  })

  it('refuses a bad query with problem+json', async () => {
    for (const q of ['', '?q=', '?q=%20%20', '?q=x&cursor=zz', '?q=x&limit=500', '?q=x&extra=1']) {
      const res = await search(alice, q)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await http().get('/api/chat/search/messages/?q=x')).status).toBe(401)
  })

  it('is in the OpenAPI document with its query and hit schemas', async () => {
    const { paths } = (await http().get('/api/schema/')).body
    for (const path of ['/api/chat/search/messages/', '/api/chat/mentions/']) {
      const op = paths[path]?.get
      expect(op, path).toBeDefined()
      expect(Object.keys(op.responses['200'].content['application/json'].schema.properties).sort()).toEqual([
        'next_cursor',
        'results',
      ])
    }
    const params = paths['/api/chat/search/messages/'].get.parameters.map((p: { name: string }) => p.name)
    expect(params.sort()).toEqual(['cursor', 'limit', 'q'])
    const history = paths['/api/chat/conversations/{id}/messages/'].get.parameters.map(
      (p: { name: string }) => p.name,
    )
    expect(history).toContain('around_seq')
  })

  it('pages history around a message, with has_more on both sides', async () => {
    const room = await group(alice, 'Around', [])
    const sent = []
    for (let i = 1; i <= 10; i++) sent.push(await send(alice, room, `line ${i}`))
    const around = (q: string) => http().get(`/api/chat/conversations/${room}/messages/${q}`, alice.token)
    const mid = await around(`?around_seq=${sent[4].seq}&limit=4`)
    expect(mid.status).toBe(200)
    expect(mid.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'line 4',
      'line 5',
      'line 6',
      'line 7',
    ])
    expect(mid.body).toMatchObject({ has_more: true, has_more_after: true })
    const end = await around(`?around_seq=${sent[9].seq}&limit=4`)
    expect(end.body.messages.map((m: { content: string }) => m.content)).toEqual(['line 9', 'line 10'])
    expect(end.body).toMatchObject({ has_more: true, has_more_after: false })
    const bad = await around(`?around_seq=3&before_seq=5`)
    expect(bad.status).toBe(400)
    expect(bad.body.errors).toHaveProperty('around_seq')
    const stranger = await http().get(`/api/chat/conversations/${room}/messages/?around_seq=3`, bob.token)
    expect(stranger.status).toBe(404)
  })
})
