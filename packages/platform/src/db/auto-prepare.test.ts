import { describe, expect, it } from 'vitest'

import { type AutoPrepareLimits, autoPreparingPool, type PgClient, type PgResult } from './auto-prepare'

type Sent = { name?: string; text: string; values: unknown[] }

/** A pg client that records what it was sent and fails the next query with a given SQLSTATE. */
class FakeClient {
  readonly sent: Sent[] = []
  failNext: string[] = []
  released = 0

  query(configOrText: Sent | string, values?: unknown[]): Promise<PgResult> {
    const sent =
      typeof configOrText === 'string' ? { text: configOrText, values: values ?? [] } : configOrText
    this.sent.push(sent)
    const code = this.failNext.shift()
    if (code) return Promise.reject(Object.assign(new Error(`failed ${code}`), { code }))
    return Promise.resolve({ command: 'SELECT', rowCount: 1, rows: [{ text: sent.text }] })
  }

  release() {
    this.released += 1
  }
}

const LIMITS: AutoPrepareLimits = { after: 3, perConnection: 2, tracked: 100 }

async function poolOf(clients: FakeClient[], limits = LIMITS) {
  let next = 0
  const pool = autoPreparingPool(
    {
      connect: async () => clients[next++ % clients.length] as unknown as PgClient,
      end: async () => {},
    },
    limits,
  )
  return { pool, connect: () => pool.connect() }
}

const names = (client: FakeClient) => client.sent.map((s) => s.name)

describe('autoPreparingPool', () => {
  it('sends a text unnamed until it has run `after` times in the pool, then named on every connection', async () => {
    const [a, b] = [new FakeClient(), new FakeClient()]
    const { connect } = await poolOf([a, b])
    const ca = await connect()
    const cb = await connect()
    await ca.query('select $1', [1])
    await cb.query('select $1', [2])
    await ca.query('select $1', [3])
    await cb.query('select $1', [4])
    expect(names(a)[0]).toBeUndefined()
    expect(names(b)[0]).toBeUndefined()
    expect(names(a)[1]).toMatch(/^parley_[0-9a-f]{20}$/)
    expect(names(b)[1]).toBe(names(a)[1])
    expect(a.sent.map((s) => s.values)).toEqual([[1], [3]])
  })

  it('gives two texts two names and never names a parameterless one (simple protocol: begin, DDL)', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    for (let i = 0; i < 4; i++) {
      await c.query('select $1', [i])
      await c.query('select $1 + 1', [i])
      await c.query('begin', [])
      await c.query('commit', [])
    }
    const named = a.sent.filter((s) => s.name)
    expect(new Set(named.map((s) => s.text))).toEqual(new Set(['select $1', 'select $1 + 1']))
    expect(new Set(named.map((s) => s.name)).size).toBe(2)
  })

  it('answers what the client answers', async () => {
    const { connect } = await poolOf([new FakeClient()])
    const c = await connect()
    for (let i = 0; i < 4; i++) {
      expect((await c.query('select $1', [i])).rows).toEqual([{ text: 'select $1' }])
    }
  })

  it('names at most `perConnection` texts on one connection; later hot texts run unnamed there', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    const texts = ['select $1', 'select $1 + 1', 'select $1 + 2']
    for (let i = 0; i < 4; i++) for (const text of texts) await c.query(text, [i])
    const named = new Set(a.sent.filter((s) => s.name).map((s) => s.text))
    expect(named).toEqual(new Set(['select $1', 'select $1 + 1']))
    expect(a.sent.filter((s) => s.text === 'select $1 + 2').every((s) => !s.name)).toBe(true)
  })

  it('hands the same wrapper back for the same pg client, and releases through to it', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const first = await connect()
    first.release()
    expect(await connect()).toBe(first)
    expect(a.released).toBe(1)
  })

  it('renames a statement whose columns changed (0A000) and runs it again at once outside a transaction', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    for (let i = 0; i < 3; i++) await c.query('select * from t where id = $1', [i])
    const before = a.sent.at(-1)!.name
    a.failNext = ['0A000']
    const result = await c.query('select * from t where id = $1', [9])
    expect(result.rows).toHaveLength(1)
    const [failed, retried] = a.sent.slice(-2)
    expect(failed.name).toBe(before)
    expect(retried.name).toMatch(/^parley_/)
    expect(retried.name).not.toBe(before)
    expect(retried.values).toEqual([9])
  })

  it('inside a transaction lets the error through (the transaction is aborted) and uses the new name after', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    for (let i = 0; i < 3; i++) await c.query('select * from t where id = $1', [i])
    const before = a.sent.at(-1)!.name
    await c.query('begin', [])
    a.failNext = ['0A000']
    await expect(c.query('select * from t where id = $1', [9])).rejects.toMatchObject({ code: '0A000' })
    await c.query('rollback', [])
    const sentBefore = a.sent.length
    await c.query('select * from t where id = $1', [10])
    expect(a.sent.length).toBe(sentBefore + 1)
    expect(a.sent.at(-1)!.name).not.toBe(before)
    expect(a.sent.at(-1)!.name).toMatch(/^parley_/)
  })

  it('a savepoint rollback keeps the transaction open', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    for (let i = 0; i < 3; i++) await c.query('select $1', [i])
    await c.query('begin', [])
    await c.query('rollback to savepoint "sp"', [])
    a.failNext = ['0A000']
    await expect(c.query('select $1', [9])).rejects.toMatchObject({ code: '0A000' })
  })

  it.each(['26000', '42P05'])(
    'turns naming off on a connection whose pooler lost or shares its statements (%s), and runs it unnamed',
    async (code) => {
      const [a, b] = [new FakeClient(), new FakeClient()]
      const { connect } = await poolOf([a, b])
      const ca = await connect()
      const cb = await connect()
      for (let i = 0; i < 3; i++) await ca.query('select $1', [i])
      a.failNext = [code]
      await ca.query('select $1', [9])
      expect(a.sent.at(-1)).toEqual({ text: 'select $1', values: [9] })
      await ca.query('select $1', [10])
      expect(a.sent.at(-1)!.name).toBeUndefined()
      await cb.query('select $1', [11])
      expect(b.sent.at(-1)!.name).toMatch(/^parley_/)
    },
  )

  it('lets every other error through, unretried', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a])
    const c = await connect()
    for (let i = 0; i < 3; i++) await c.query('select $1', [i])
    a.failNext = ['23505']
    await expect(c.query('select $1', [9])).rejects.toMatchObject({ code: '23505' })
    expect(a.sent).toHaveLength(4)
  })

  it('forgets cold counts past `tracked` distinct texts, so one-off texts never pile up', async () => {
    const a = new FakeClient()
    const { connect } = await poolOf([a], { after: 2, perConnection: 10, tracked: 3 })
    const c = await connect()
    await c.query('select $1', [0])
    for (let i = 0; i < 3; i++) await c.query(`select $1 + ${i}`, [0])
    await c.query('select $1', [1])
    expect(a.sent.at(-1)!.name).toBeUndefined()
  })
})
