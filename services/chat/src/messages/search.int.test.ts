import { transaction } from '@parley/platform'
import { api } from '@parley/platform/testing'
import { sql } from 'kysely'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chatDb } from '../db/schema'
import { indexConversations } from '../search/search-index.repository'
import { SearchIndexer } from '../search/search-indexer'
import { type ChatTest, startChat, type TestUser } from '../testing/harness'

/**
 * History search by trigram, on whichever engine the run uses (PGlite or PostgreSQL). The search
 * index is filled off the send path (search/search-indexer.ts); here its timer never fires, so each
 * search is checked twice: with the messages past the index's mark (read directly), and after
 * `indexConversations` has copied them (read through the index).
 */
describe('message search', () => {
  let c: ChatTest
  let owner: TestUser
  let room: string
  const http = () => api(c.t.url)
  const db = () => chatDb(c.t.platform.db)

  const post = async (content: string) =>
    (await http().post(`/api/chat/conversations/${room}/messages/`, { content }, owner.token)).body as {
      id: string
      seq: number
    }
  const search = async (q: string) =>
    (
      await http().get(
        `/api/chat/conversations/${room}/messages/?search=${encodeURIComponent(q)}`,
        owner.token,
      )
    ).body.messages.map((m: { content: string }) => m.content)
  const searchEverywhere = async (q: string) =>
    (await http().get(`/api/chat/search/messages/?q=${encodeURIComponent(q)}`, owner.token)).body.results.map(
      (r: { message: { content: string } }) => r.message.content,
    )
  const copies = async () =>
    (
      await db()
        .selectFrom('chat.message_search')
        .select(['message_id', 'seq', 'content'])
        .where('conversation_id', '=', room)
        .orderBy('seq')
        .execute()
    ).map((r) => ({ ...r, seq: Number(r.seq) }))
  const mark = async () =>
    Number(
      (
        await db()
          .selectFrom('chat.search_progress')
          .select('indexed_seq')
          .where('conversation_id', '=', room)
          .executeTakeFirst()
      )?.indexed_seq ?? 0,
    )
  const index = () => indexConversations(db(), [room], 1_000)
  /** A new group of the owner's with `messages` messages in it. */
  const group = async (name: string, messages: number) => {
    const id = (
      await http().post('/api/chat/conversations/', { type: 'group', name, participant_ids: [] }, owner.token)
    ).body.id as string
    for (let i = 1; i <= messages; i++)
      await http().post(`/api/chat/conversations/${id}/messages/`, { content: `${name} ${i}` }, owner.token)
    return id
  }

  beforeAll(async () => {
    c = await startChat({ searchIndexMs: 3_600_000 })
    owner = await c.user()
    room = (
      await http().post(
        '/api/chat/conversations/',
        { type: 'group', name: 'search', participant_ids: [] },
        owner.token,
      )
    ).body.id
    for (const content of [
      'Quarterly REPORT is ready',
      '서울에서 회의가 있습니다',
      'report_v2 uploaded',
      '報告書を送りました',
      'nothing here',
    ])
      await post(content)
  })
  afterAll(() => c?.close())

  const expectMatches = async () => {
    expect(await search('report')).toEqual(['Quarterly REPORT is ready', 'report_v2 uploaded'])
    expect(await search('ready quarterly')).toEqual(['Quarterly REPORT is ready'])
    expect(await search('회의')).toEqual(['서울에서 회의가 있습니다'])
    expect(await search('報告書')).toEqual(['報告書を送りました'])
    // LIKE wildcards in the query are plain characters.
    expect(await search('report_')).toEqual(['report_v2 uploaded'])
    expect(await search('rep%rt')).toEqual([])
    expect(await searchEverywhere('report')).toEqual(['report_v2 uploaded', 'Quarterly REPORT is ready'])
  }

  it('matches every term in any order, case-insensitively, in any script: acknowledged is findable, indexed or not', async () => {
    expect(await copies()).toEqual([])
    await expectMatches()
    expect(await index()).toEqual([{ conversation_id: room, scanned: 5 }])
    expect((await copies()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5])
    expect(await mark()).toBe(5)
    await expectMatches()
    // Nothing new: nothing scanned, the mark stays.
    expect(await index()).toEqual([])
    expect(await mark()).toBe(5)
  })

  it('has a trigram index the planner can use, and none on the messages a send writes', async () => {
    const plan = await transaction(c.t.platform.db, async (tx) => {
      await sql`set local enable_seqscan = off`.execute(tx.db)
      const { rows } = await sql<{
        'QUERY PLAN': string
      }>`explain select message_id from chat.message_search where content ilike '%報告書%'`.execute(tx.db)
      return rows.map((r) => r['QUERY PLAN']).join('\n')
    })
    expect(plan).toContain('message_search_content_trgm_idx')
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_indexes
      where schemaname = 'chat' and tablename = 'messages' and indexdef like '%gin_trgm_ops%'`.execute(db())
    expect(rows[0].n).toBe(0)
  })

  it('finds an edited message by its new text only, whether the edit came before or after indexing', async () => {
    const indexed = await post('colour of the sky')
    await index()
    const fresh = await post('flavour of the month')
    for (const [m, text] of [
      [indexed, 'color of the sky'],
      [fresh, 'flavor of the month'],
    ] as const)
      expect(
        (
          await http().patch(
            `/api/chat/conversations/${room}/messages/${m.id}/`,
            { content: text },
            owner.token,
          )
        ).status,
      ).toBe(200)
    const expectEdits = async () => {
      expect(await search('colour')).toEqual([])
      expect(await search('color')).toEqual(['color of the sky'])
      expect(await search('flavour')).toEqual([])
      expect(await search('flavor')).toEqual(['flavor of the month'])
    }
    await expectEdits()
    await index()
    expect((await copies()).filter((r) => r.seq >= indexed.seq).map((r) => r.content)).toEqual([
      'color of the sky',
      'flavor of the month',
    ])
    await expectEdits()
  })

  it('never finds a deleted message, and keeps no copy of it', async () => {
    const gone = await post('secret plan zzqx')
    await index()
    const goneToo = await post('second plan zzqx')
    expect(await search('zzqx')).toEqual(['secret plan zzqx', 'second plan zzqx'])
    for (const m of [gone, goneToo])
      expect(
        (await http().delete(`/api/chat/conversations/${room}/messages/${m.id}/`, owner.token)).status,
      ).toBe(204)
    expect(await search('zzqx')).toEqual([])
    await index()
    expect(await search('zzqx')).toEqual([])
    expect(await searchEverywhere('zzqx')).toEqual([])
    expect((await copies()).some((r) => r.content.includes('zzqx'))).toBe(false)
    // The mark passed them all the same.
    expect(await mark()).toBe(goneToo.seq)
  })

  it('copies every noted conversation in one flush, however many transactions it takes', async () => {
    const rooms: string[] = []
    for (let i = 0; i < 5; i++) rooms.push(await group(`batch ${i}`, 1))
    const indexer = new SearchIndexer(db(), pino({ level: 'silent' }), {
      intervalMs: 3_600_000,
      conversationsPerTransaction: 2,
      messagesPerTransaction: 1_000,
    })
    try {
      indexer.note(rooms)
      await indexer.flush()
    } finally {
      await indexer.close()
    }
    const marks = await db()
      .selectFrom('chat.search_progress')
      .select(['conversation_id', 'indexed_seq'])
      .where('conversation_id', 'in', rooms)
      .execute()
    expect(marks.map((r) => Number(r.indexed_seq))).toEqual([1, 1, 1, 1, 1])
  })

  it('copies a burst a share at a time: no transaction past its messages, all of it in one flush', async () => {
    const busy = await group('burst', 23)
    const quiet = [await group('quiet a', 1), await group('quiet b', 1)]
    // What each transaction copied (one call of the copy is one transaction).
    const copied: number[] = []
    const indexer = new SearchIndexer(
      db(),
      pino({ level: 'silent' }),
      { intervalMs: 3_600_000, conversationsPerTransaction: 2, messagesPerTransaction: 10 },
      async (d, ids, share) => {
        const done = await indexConversations(d, ids, share)
        copied.push(done.reduce((n, r) => n + r.scanned, 0))
        return done
      },
    )
    try {
      indexer.note([busy, ...quiet])
      await indexer.flush()
    } finally {
      await indexer.close()
    }
    expect(Math.max(...copied)).toBeLessThanOrEqual(10)
    expect(copied.reduce((a, b) => a + b, 0)).toBe(25)
    const marks = await db()
      .selectFrom('chat.search_progress')
      .select(['conversation_id', 'indexed_seq'])
      .where('conversation_id', 'in', [busy, ...quiet])
      .execute()
    expect(Object.fromEntries(marks.map((r) => [r.conversation_id, Number(r.indexed_seq)]))).toEqual({
      [busy]: 23,
      [quiet[0]]: 1,
      [quiet[1]]: 1,
    })
  })
})

describe('the search indexer', () => {
  let c: ChatTest
  let room: string
  const db = () => chatDb(c.t.platform.db)
  const copied = async () =>
    (
      await db()
        .selectFrom('chat.message_search')
        .select('content')
        .where('conversation_id', '=', room)
        .orderBy('seq')
        .execute()
    ).map((r) => r.content)

  beforeAll(async () => {
    c = await startChat({ searchIndexMs: 10 })
  })
  afterAll(() => c?.close())

  it('copies what a send committed into the index by itself, moving the mark to the last seq', async () => {
    const owner = await c.user()
    room = (
      await api(c.t.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: 'idx', participant_ids: [] },
        owner.token,
      )
    ).body.id as string
    for (const content of ['one', 'two', 'three'])
      await api(c.t.url).post(`/api/chat/conversations/${room}/messages/`, { content }, owner.token)
    const db = chatDb(c.t.platform.db)
    const deadline = Date.now() + 10_000
    let indexedSeq = 0
    while (indexedSeq < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
      const row = await db
        .selectFrom('chat.search_progress')
        .select('indexed_seq')
        .where('conversation_id', '=', room)
        .executeTakeFirst()
      indexedSeq = Number(row?.indexed_seq ?? 0)
    }
    expect(indexedSeq).toBe(3)
    expect(await copied()).toEqual(['one', 'two', 'three'])
  })

  it('merges its trigram index 1 MB at a time: no sender waits for a merge, and fewer cost less', async () => {
    const { rows } = await sql<{ reloptions: string[] }>`select reloptions from pg_class
      where oid = 'chat.message_search_content_trgm_idx'::regclass`.execute(db())
    expect(rows[0].reloptions).toEqual(['gin_pending_list_limit=1024'])
  })

  it('copies everything again when its tables were emptied, as a crash of PostgreSQL empties them', async () => {
    const { rows } = await sql<{ relname: string; relpersistence: string }>`select relname, relpersistence
      from pg_class where oid in ('chat.message_search'::regclass, 'chat.search_progress'::regclass)
      order by relname`.execute(db())
    expect(rows).toEqual([
      { relname: 'message_search', relpersistence: 'u' },
      { relname: 'search_progress', relpersistence: 'u' },
    ])
    await sql`truncate chat.message_search, chat.search_progress`.execute(db())
    expect(await copied()).toEqual([])
    const indexer = new SearchIndexer(db(), pino({ level: 'silent' }), {
      intervalMs: 10,
      conversationsPerTransaction: 100,
      messagesPerTransaction: 5_000,
    })
    try {
      await indexer.checkReset()
      expect(await copied()).toEqual(['one', 'two', 'three'])
      // A second check finds the catch-up's mark and copies nothing more.
      await indexer.checkReset()
      expect(await copied()).toEqual(['one', 'two', 'three'])
    } finally {
      await indexer.close()
    }
  })
})
