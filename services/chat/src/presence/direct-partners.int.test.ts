import { api } from '@parley/platform/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { chatDb } from '../db/schema'
import { type ChatTest, startChat, type TestUser } from '../testing/harness'
import { rowsReadBy } from '../testing/rows-read'
import { directPartners } from './presence.repository'

/**
 * The query every socket's arrival runs (presence goes to its user's contacts). A reconnect storm
 * runs it for every user, so it must read what the users' direct conversations hold and nothing of
 * their groups, whichever plan the statistics of the moment pick.
 */
describe('directPartners', () => {
  const GROUP = 200
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser
  let members: TestUser[]

  beforeAll(async () => {
    c = await startChat()
    alice = await c.user()
    bob = await c.user({ tenantId: alice.tenantId })
    members = []
    for (let i = 0; i < GROUP; i++) members.push(await c.user({ tenantId: alice.tenantId }))
    await c.contacts(alice, bob)
    const group = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'everyone', participant_ids: [bob, ...members].map((u) => u.id) },
      alice.token,
    )
    expect(group.status).toBe(201)
  })
  afterAll(() => c?.close())

  it("answers each user's direct partners, themselves included, and no group member", async () => {
    const rows = await directPartners(chatDb(c.t.platform.db), [alice.id, bob.id, members[0].id])
    const pairs = rows.map((r) => `${r.subject}>${r.target}`).sort()
    expect(pairs).toEqual(
      [
        `${alice.id}>${alice.id}`,
        `${alice.id}>${bob.id}`,
        `${bob.id}>${alice.id}`,
        `${bob.id}>${bob.id}`,
      ].sort(),
    )
  })

  // @NOTE Join methods switched off one at a time stand in for the plans stale statistics pick
  // (a bulk of members arriving after the tables were analyzed): the answer's cost must not
  // depend on them. Sequential scans are off throughout, as a table of 100,000 members would
  // have them (this one fits in 3 pages, where reading it whole is the cheap plan; rowsReadBy).
  // Everyone here is in the group, so a plan that
  // reads the group's members per user reads ~GROUP² rows, one that joins the whole table to
  // itself twice the table; the users' own memberships and direct partners are ~the table.
  it.each([
    ['the default plan', []],
    ['no nested loops', ['enable_nestloop']],
    ['no hash joins', ['enable_hashjoin']],
    ['no bitmap scans', ['enable_bitmapscan']],
  ])(
    "reads the users' memberships and their direct conversations, not their groups: %s",
    async (_plan, off) => {
      const users = [alice, bob, ...members].map((u) => u.id)
      const { rows: size } = await sql<{
        n: number
      }>`select count(*)::int as n from chat.participants`.execute(c.t.platform.db)
      const read = await rowsReadBy(c.t.platform.db, 'participants', off, async (tx) => {
        expect(await directPartners(chatDb(tx.db), users)).toHaveLength(4)
      })
      expect(read).toBeGreaterThanOrEqual(users.length)
      expect(read).toBeLessThan(1.5 * size[0].n)
    },
  )
})
