import { newId, transaction, type Tx } from '@parley/platform'
import { api, eventually } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, type TestUser } from '../testing/harness'

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
    room = (
      await api(c.t.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: 'big', participant_ids: [member.id] },
        owner.token,
      )
    ).body.id
    // A history big enough that scanning it would be the planner's choice if it were allowed one.
    await sql`insert into chat.messages (id, tenant_id, conversation_id, seq, sender_id, content, message_type, client_id)
      select gen_random_uuid(), ${owner.tenantId}, ${room}, n, ${owner.id}, 'old message ' || n, 'text', 'old-' || n
      from generate_series(1, 5000) n`.execute(c.t.platform.db)
    await sql`update chat.conversations set last_seq = 5000 where id = ${room}`.execute(c.t.platform.db)
    // ... and other people's conversations around it.
    await sql`with c as (
        insert into chat.conversations (id, tenant_id, type) select gen_random_uuid(), ${owner.tenantId}, 'direct' from generate_series(1, 2000)
        returning id)
      insert into chat.participants (conversation_id, user_id, role) select c.id, gen_random_uuid(), 'member' from c, generate_series(1, 2)`.execute(
      c.t.platform.db,
    )
  })
  afterAll(() => c?.close())

  const TABLES = ['messages', 'participants', 'conversations']

  /** Calls send_batch in `tx` and counts the sequential scans it made of the tables it reads. */
  async function sendCountingScans(
    tx: Tx,
    items: Array<{ sender: string; client: string; content: string }>,
  ) {
    // @NOTE Deltas within one transaction: PGlite (single-user mode) never resets these counters.
    const seqScans = async () => {
      const stats = await sql<{
        relname: string
        seq_scan: number
      }>`select relname, seq_scan from pg_stat_xact_user_tables
        where schemaname = 'chat' and relname = any(${TABLES}::text[])`.execute(tx.db)
      return new Map(stats.rows.map((r) => [r.relname, Number(r.seq_scan)]))
    }
    const before = await seqScans()
    const result = await sql<{
      o_status: string
      o_seq: number
      d_content: string | null
    }>`select * from chat.send_batch(
      ${items.map(() => newId())}::uuid[], ${items.map(() => owner.tenantId)}::text[], ${items.map(() => room)}::uuid[],
      ${items.map((i) => i.sender)}::uuid[], ${items.map((i) => i.content)}::text[], ${items.map(() => 'text')}::text[],
      ${items.map(() => null)}::uuid[], ${items.map((i) => i.client)}::text[])`.execute(tx.db)
    const after = await seqScans()
    const scans = Object.fromEntries(TABLES.map((t) => [t, (after.get(t) ?? 0) - (before.get(t) ?? 0)]))
    return { rows: result.rows, scans }
  }

  it('stores a batch with index probes only, dedupes a stored client_id and allocates the next seqs', async () => {
    const items = [
      { sender: owner.id, client: 'new-1', content: 'one' },
      { sender: member.id, client: 'new-2', content: 'two' },
      { sender: owner.id, client: 'old-42', content: 'a retry of an old message' },
    ]
    const { rows, scans } = await transaction(c.t.platform.db, (tx) => sendCountingScans(tx, items))
    expect(rows.map((r) => [r.o_status, Number(r.o_seq)])).toEqual([
      ['ok', 5001],
      ['ok', 5002],
      ['duplicate', 42],
    ])
    expect(rows[2].d_content).toBe('old message 42')
    expect(scans).toEqual({ messages: 0, participants: 0, conversations: 0 })
  })

  it('stores nothing for a conversation that does not exist or was deleted (its only guard: no foreign key)', async () => {
    const gone = (
      await api(c.t.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: 'gone', participant_ids: [member.id] },
        owner.token,
      )
    ).body.id as string
    await sql`update chat.conversations set deleted_at = now() where id = ${gone}`.execute(c.t.platform.db)
    const nowhere = newId()
    const { rows } = await sql<{ o_status: string; o_id: string | null }>`select * from chat.send_batch(
      ${[newId(), newId(), newId()]}::uuid[], ${[owner.tenantId, owner.tenantId, owner.tenantId]}::text[],
      ${[nowhere, gone, room]}::uuid[], ${[owner.id, owner.id, owner.id]}::uuid[],
      ${['into nothing', 'into a deleted room', 'into the room']}::text[], ${['text', 'text', 'text']}::text[],
      ${[null, null, null]}::uuid[], ${['fk-1', 'fk-2', 'fk-3']}::text[])`.execute(c.t.platform.db)
    expect(rows.map((r) => r.o_status)).toEqual(['not_found', 'not_found', 'ok'])
    const stored = await sql<{ n: number }>`select count(*)::int as n from chat.messages
      where conversation_id = any(${[nowhere, gone]}::uuid[])`.execute(c.t.platform.db)
    expect(stored.rows[0].n).toBe(0)
    const fk = await sql<{ n: number }>`select count(*)::int as n from pg_constraint
      where conrelid = 'chat.messages'::regclass and contype = 'f' and confrelid = 'chat.conversations'::regclass`.execute(
      c.t.platform.db,
    )
    expect(fk.rows[0].n).toBe(0)
  })

  it('keeps probing as the tables grow under a plan made while they were empty (statistics of empty tables)', async () => {
    // @NOTE The function's plan is generic and cached per session. Planned while the tables were
    // empty and ANALYZE had said so (reltuples = 0: the bench's seeded database, a fresh install),
    // a sequential scan looked free, and the cached plan then scanned every message ever stored on
    // every call. Reproduced in a transaction that is rolled back.
    const rolledBack = new Error('roll back')
    let seen: Awaited<ReturnType<typeof sendCountingScans>> | undefined
    await transaction(c.t.platform.db, async (tx) => {
      await sql`truncate chat.messages cascade`.execute(tx.db)
      await sql`update chat.conversations set last_seq = 0 where id = ${room}`.execute(tx.db)
      const oids = sql`(select oid from pg_class where relnamespace = 'chat'::regnamespace and relname = any(${TABLES}::text[]))`
      await sql`update pg_class set reltuples = 0, relpages = 0 where oid in ${oids}`.execute(tx.db)
      await sql`delete from pg_statistic where starelid in ${oids}`.execute(tx.db)
      await sendCountingScans(tx, [{ sender: owner.id, client: 'while-empty', content: 'first' }])
      await sql`insert into chat.messages (id, tenant_id, conversation_id, seq, sender_id, content, message_type, client_id)
        select gen_random_uuid(), ${owner.tenantId}, ${room}, n, ${owner.id}, 'later ' || n, 'text', 'later-' || n
        from generate_series(2, 3001) n`.execute(tx.db)
      await sql`update chat.conversations set last_seq = 3001 where id = ${room}`.execute(tx.db)
      seen = await sendCountingScans(tx, [{ sender: owner.id, client: 'after-growth', content: 'second' }])
      throw rolledBack
    }).catch((err) => {
      if (err !== rolledBack) throw err
    })
    expect(seen?.rows.map((r) => [r.o_status, Number(r.o_seq)])).toEqual([['ok', 3002]])
    expect(seen?.scans).toEqual({ messages: 0, participants: 0, conversations: 0 })
  })

  it("links only the sender's own unsent files, each to the first item of the batch that lists it", async () => {
    const rolledBack = new Error('roll back')
    let rows: Array<{ o_i: number; o_status: string; o_id: string; o_bad_attachment: string | null }> = []
    let linked: Array<{ id: string; message_id: string | null }> = []
    const [mine, theirs, used, own] = [newId(), newId(), newId(), newId()]
    await transaction(c.t.platform.db, async (tx) => {
      const file = (id: string, uploader: string) =>
        sql`insert into chat.attachments (id, tenant_id, uploader_id, storage_key, content_type, size)
          values (${id}, ${owner.tenantId}, ${uploader}, ${`k/${id}`}, 'image/png', 1)`.execute(tx.db)
      await file(mine, owner.id)
      await file(theirs, owner.id)
      await file(used, owner.id)
      await file(own, member.id)
      await sql`update chat.attachments set message_id = (select id from chat.messages where conversation_id = ${room} limit 1)
        where id = ${used}`.execute(tx.db)
      const items = [
        { sender: owner.id, atts: [mine] },
        { sender: owner.id, atts: [mine] }, // already listed by item 1
        { sender: member.id, atts: [theirs] }, // not the sender's file
        { sender: owner.id, atts: [used] }, // already sent with a message
        { sender: owner.id, atts: [] },
        { sender: member.id, atts: [own] },
      ]
      const attI = items.flatMap((it, k) => it.atts.map(() => k + 1))
      const attId = items.flatMap((it) => it.atts)
      rows = (
        await sql<(typeof rows)[number]>`select * from chat.send_batch(
          ${items.map(() => newId())}::uuid[], ${items.map(() => owner.tenantId)}::text[], ${items.map(() => room)}::uuid[],
          ${items.map((i) => i.sender)}::uuid[], ${items.map((_, k) => `with files ${k}`)}::text[], ${items.map(() => 'text')}::text[],
          ${items.map(() => null)}::uuid[], ${items.map(() => null)}::text[], ${attI}::int[], ${attId}::uuid[])`.execute(
          tx.db,
        )
      ).rows
      linked = (
        await sql<(typeof linked)[number]>`select id, message_id from chat.attachments
          where id = any(${[mine, theirs, own]}::uuid[])`.execute(tx.db)
      ).rows
      throw rolledBack
    }).catch((err) => {
      if (err !== rolledBack) throw err
    })
    expect(
      rows.map((r) => [r.o_status, r.o_status === 'bad_attachment' ? r.o_bad_attachment : null]),
    ).toEqual([
      ['ok', null],
      ['bad_attachment', mine],
      ['bad_attachment', theirs],
      ['bad_attachment', used],
      ['ok', null],
      ['ok', null],
    ])
    const linkOf = new Map(linked.map((a) => [a.id, a.message_id]))
    expect(linkOf.get(mine)).toBe(rows[0].o_id)
    expect(linkOf.get(own)).toBe(rows[5].o_id)
    expect(linkOf.get(theirs)).toBeNull()
  })

  // @NOTE PostgreSQL only: PGlite has one session, so no two transactions there ever wait for each other.
  it.runIf(process.env.DATABASE_URL)(
    "locks its senders' rows in (conversation, user) order, the receipt writer's order (no deadlock between them)",
    async () => {
      const db = c.t.platform.db
      const rooms = Array.from({ length: 30 }, () => newId()).sort()
      await sql`insert into chat.conversations (id, tenant_id, type) select unnest(${rooms}::uuid[]), ${owner.tenantId}, 'group'`.execute(
        db,
      )
      await sql`insert into chat.participants (conversation_id, user_id, role) select unnest(${rooms}::uuid[]), ${owner.id}, 'owner'`.execute(
        db,
      )
      const last = rooms[rooms.length - 1]
      const shuffled = [...rooms].reverse()
      const lockNowait = (room: string) =>
        transaction(db, (tx) =>
          sql`select 1 from chat.participants where conversation_id = ${room} and user_id = ${owner.id} for update nowait`.execute(
            tx.db,
          ),
        ).then(
          () => 'free',
          (err: Error & { code?: string }) => (err.code === '55P03' ? 'locked' : Promise.reject(err)),
        )

      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      let holding!: () => void
      const isHolding = new Promise<void>((resolve) => (holding = resolve))
      // Another writer holds the row that comes last in that order.
      const holder = transaction(db, async (tx) => {
        await sql`select 1 from chat.participants where conversation_id = ${last} and user_id = ${owner.id} for update`.execute(
          tx.db,
        )
        holding()
        await held
      })
      await isHolding
      const sending = sql<{ o_status: string }>`select * from chat.send_batch(
        ${shuffled.map(() => newId())}::uuid[], ${shuffled.map(() => owner.tenantId)}::text[], ${shuffled}::uuid[],
        ${shuffled.map(() => owner.id)}::uuid[], ${shuffled.map((r) => `to ${r}`)}::text[], ${shuffled.map(() => 'text')}::text[],
        ${shuffled.map(() => null)}::uuid[], ${shuffled.map(() => null)}::text[])`.execute(db)
      try {
        // send_batch waits for that row...
        await eventually(async () => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like '%send_batch%'`.execute(
            db,
          )
          return rows[0].n > 0
        })
        // ... holding every row before it, and none after it (there are none): so it never holds one
        // that a writer going in the same order could be waiting for while holding an earlier one.
        const states = []
        for (const room of rooms.slice(0, -1)) states.push(await lockNowait(room))
        expect(states.filter((s) => s === 'free')).toEqual([])
      } finally {
        release()
        await holder
      }
      expect((await sending).rows.map((r) => r.o_status)).toEqual(rooms.map(() => 'ok'))
    },
  )
})
