import { transaction } from '@parley/platform'
import { api } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, type TestUser } from '../testing/harness'

/** History search by trigram, on whichever engine the run uses (PGlite or PostgreSQL). */
describe('message search', () => {
  let c: ChatTest
  let owner: TestUser
  let room: string

  beforeAll(async () => {
    c = await startChat()
    owner = await c.user()
    room = (
      await api(c.t.url).post(
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
    ]) {
      await api(c.t.url).post(`/api/chat/conversations/${room}/messages/`, { content }, owner.token)
    }
  })
  afterAll(() => c?.close())

  const search = async (q: string) =>
    (
      await api(c.t.url).get(
        `/api/chat/conversations/${room}/messages/?search=${encodeURIComponent(q)}`,
        owner.token,
      )
    ).body.messages.map((m: { content: string }) => m.content)

  it('matches every term in any order, case-insensitively, in any script', async () => {
    expect(await search('report')).toEqual(['Quarterly REPORT is ready', 'report_v2 uploaded'])
    expect(await search('ready quarterly')).toEqual(['Quarterly REPORT is ready'])
    expect(await search('회의')).toEqual(['서울에서 회의가 있습니다'])
    expect(await search('報告書')).toEqual(['報告書を送りました'])
    // LIKE wildcards in the query are plain characters.
    expect(await search('report_')).toEqual(['report_v2 uploaded'])
    expect(await search('rep%rt')).toEqual([])
  })

  it('has a trigram index the planner can use for substring search', async () => {
    const plan = await transaction(c.t.platform.db, async (tx) => {
      await sql`set local enable_seqscan = off`.execute(tx.db)
      const { rows } = await sql<{
        'QUERY PLAN': string
      }>`explain select id from chat.messages where content ilike '%報告書%'`.execute(tx.db)
      return rows.map((r) => r['QUERY PLAN']).join('\n')
    })
    expect(plan).toContain('messages_content_trgm_idx')
  })

  it('merges the index pending list in small steps, so no one send carries a long merge', async () => {
    const { rows } = await sql<{ options: string[] | null }>`select reloptions as options from pg_class
      where oid = 'chat.messages_content_trgm_idx'::regclass`.execute(c.t.platform.db)
    expect(rows[0].options).toContain('gin_pending_list_limit=256')
    // Entries still in the pending list are found at once.
    const content = `pending ${Date.now()}`
    await api(c.t.url).post(`/api/chat/conversations/${room}/messages/`, { content }, owner.token)
    expect(await search(content)).toEqual([content])
  })
})
