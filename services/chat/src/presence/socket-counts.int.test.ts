import { randomUUID } from 'node:crypto'

import { transaction } from '@parley/platform'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat } from '../testing/harness'
import { rowsReadBy } from '../testing/rows-read'
import { applySocketCounts } from './presence.repository'

/**
 * A node writes its socket counts a batch of users at a time; a reconnect storm is thousands of
 * such batches on a table that fills meanwhile. Each batch must cost what its users hold, not what
 * the node holds.
 */
describe('applySocketCounts', () => {
  const NODE_ROWS = 3000
  const BATCH = 200
  let c: ChatTest
  const db = () => c.t.platform.db
  const countsOf = async (node: string, users: string[]) => {
    const { rows } = await sql<{ user_id: string; sockets: number }>`select user_id, sockets
      from chat.presence_sockets where node_id = ${node} and user_id = any(${users}::uuid[])`.execute(db())
    return new Map(rows.map((r) => [r.user_id, r.sockets]))
  }
  const liveNode = async (node: string) =>
    sql`insert into chat.presence_nodes (node_id) values (${node})
      on conflict (node_id) do update set heartbeat_at = now()`.execute(db())

  beforeAll(async () => {
    c = await startChat()
  })
  afterAll(() => c?.close())

  it("sets the node's counts whatever its rows held, removes the users it holds none of, and answers live sockets", async () => {
    const node = `node-${randomUUID()}`
    const other = `node-${randomUUID()}`
    await liveNode(node)
    await liveNode(other)
    const [ann, ben, cat] = [randomUUID(), randomUUID(), randomUUID()]
    // A stale row (a batch that failed, or rows restored by a re-registration): counts overwrite it.
    await sql`insert into chat.presence_sockets (node_id, user_id, sockets)
      values (${node}, ${ann}, 5), (${node}, ${ben}, 1), (${other}, ${ben}, 2)`.execute(db())

    const rows = await transaction(db(), (tx) =>
      applySocketCounts(tx.db, node, 60_000, [
        { userId: ann, n: 2 },
        { userId: ben, n: 0 },
        { userId: cat, n: 1 },
      ]),
    )

    expect(Object.fromEntries(await countsOf(node, [ann, ben, cat]))).toEqual({ [ann]: 2, [cat]: 1 })
    // Ben's socket on the other node still counts; his row on this node is gone.
    expect(Object.fromEntries((await countsOf(other, [ben])).entries())).toEqual({ [ben]: 2 })
    expect(Object.fromEntries(rows.map((r) => [r.user_id, r.sockets]))).toEqual({
      [ann]: 2,
      [ben]: 2,
      [cat]: 1,
    })
    expect(rows.every((r) => r.last_seen != null)).toBe(true)
  })

  // @NOTE The statistics a restarted node meets: analyzed while another node held the rows, so its
  // new id looks like a handful of rows however many it holds. Sequential scans are off, as a table
  // of 100,000 sockets would have them (rowsReadBy). Reading the node's rows per batch
  // would be NODE_ROWS; reading by key is about one row per user and statement.
  it.each([
    ['the default plan', []],
    ['no nested loops', ['enable_nestloop']],
    ['no hash joins', ['enable_hashjoin']],
  ])("reads the batch's users' rows, not the node's: %s", async (_plan, off) => {
    const before = `node-${randomUUID()}`
    const node = `node-${randomUUID()}`
    await liveNode(node)
    const fill = async (id: string) =>
      sql`insert into chat.presence_sockets (node_id, user_id, sockets)
        select ${id}, gen_random_uuid(), 1 from generate_series(1, ${NODE_ROWS}::int)`.execute(db())
    await fill(before)
    await sql`analyze chat.presence_sockets`.execute(db())
    await sql`delete from chat.presence_sockets where node_id = ${before}`.execute(db())
    await fill(node)
    const users = Array.from({ length: BATCH }, () => randomUUID())
    await sql`insert into chat.presence_sockets (node_id, user_id, sockets)
      select ${node}, u, 1 from unnest(${users}::uuid[]) as u`.execute(db())
    // Half of them closed their last socket, half opened a second one.
    const sockets = users.map((userId, i) => ({ userId, n: i % 2 ? 2 : 0 }))

    const read = await rowsReadBy(db(), 'presence_sockets', off, async (tx) => {
      await applySocketCounts(tx.db, node, 60_000, sockets)
    })

    const now = await countsOf(node, users)
    expect(now.size).toBe(BATCH / 2)
    expect([...now.values()].every((n) => n === 2)).toBe(true)
    expect(read).toBeGreaterThanOrEqual(BATCH / 2)
    expect(read).toBeLessThan(4 * BATCH)
    await sql`delete from chat.presence_sockets where node_id = ${node}`.execute(db())
  })
})
