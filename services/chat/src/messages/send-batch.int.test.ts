import { newId, transaction } from '@parley/platform'
import { api } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChat, type ChatTest, type TestUser } from '../testing/harness'

/**
 * `chat.send_batch` must cost what the batch costs, not what the tables hold: every lookup
 * (client_id dedupe, membership, conversation) is an index probe. The first version let the
 * planner scan `messages` on every call to find duplicate client_ids, so every send got slower
 * with every message ever stored. Counted with the per-transaction statistics, on either engine.
 */
describe('chat.send_batch', () => {
  let c: ChatTest
  let owner: TestUser
  let member: TestUser
  let room: string

  beforeAll(async () => {
    c = await startChat()
    owner = await c.user()
    member = await c.user({ tenantId: owner.tenantId })
    room = (await api(c.t.url).post('/api/chat/conversations/', { type: 'group', name: 'big', participant_ids: [member.id] }, owner.token)).body.id
    // A history big enough that scanning it would be the planner's choice if it were allowed one.
    await sql`insert into chat.messages (id, tenant_id, conversation_id, seq, sender_id, content, message_type, client_id)
      select gen_random_uuid(), ${owner.tenantId}, ${room}, n, ${owner.id}, 'old message ' || n, 'text', 'old-' || n
      from generate_series(1, 5000) n`.execute(c.t.platform.db)
    await sql`update chat.conversations set last_seq = 5000 where id = ${room}`.execute(c.t.platform.db)
    // ... and other people's conversations around it.
    await sql`with c as (
        insert into chat.conversations (id, tenant_id, type) select gen_random_uuid(), ${owner.tenantId}, 'direct' from generate_series(1, 2000)
        returning id)
      insert into chat.participants (conversation_id, user_id, role) select c.id, gen_random_uuid(), 'member' from c, generate_series(1, 2)`.execute(c.t.platform.db)
  })
  afterAll(() => c?.close())

  it('stores a batch with index probes only, dedupes a stored client_id and allocates the next seqs', async () => {
    const items = [
      { sender: owner.id, client: 'new-1', content: 'one' },
      { sender: member.id, client: 'new-2', content: 'two' },
      { sender: owner.id, client: 'old-42', content: 'a retry of an old message' },
    ]
    const { rows, scans } = await transaction(c.t.platform.db, async (tx) => {
      // @NOTE Deltas within one transaction: PGlite (single-user mode) never resets these counters.
      const seqScans = async () => {
        const stats = await sql<{ relname: string; seq_scan: number }>`select relname, seq_scan from pg_stat_xact_user_tables
          where schemaname = 'chat' and relname in ('messages', 'participants', 'conversations')`.execute(tx.db)
        return new Map(stats.rows.map((r) => [r.relname, Number(r.seq_scan)]))
      }
      const before = await seqScans()
      const result = await sql<{ o_status: string; o_seq: number; d_content: string | null }>`select * from chat.send_batch(
        ${items.map(() => newId())}::uuid[], ${items.map(() => owner.tenantId)}::text[], ${items.map(() => room)}::uuid[],
        ${items.map((i) => i.sender)}::uuid[], ${items.map((i) => i.content)}::text[], ${items.map(() => 'text')}::text[],
        ${items.map(() => null)}::uuid[], ${items.map((i) => i.client)}::text[])`.execute(tx.db)
      const after = await seqScans()
      const scans = Object.fromEntries(['messages', 'participants', 'conversations'].map((t) => [t, (after.get(t) ?? 0) - (before.get(t) ?? 0)]))
      return { rows: result.rows, scans }
    })
    expect(rows.map((r) => [r.o_status, Number(r.o_seq)])).toEqual([['ok', 5001], ['ok', 5002], ['duplicate', 42]])
    expect(rows[2].d_content).toBe('old message 42')
    expect(scans).toEqual({ messages: 0, participants: 0, conversations: 0 })
  })
})
