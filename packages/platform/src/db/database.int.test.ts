import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createScratchDatabase } from '../testing/scratch-database'
import { type Database, type Db, openDatabase } from './database'
import { DataDirLockedError, EmbeddedDatabaseError, startEmbedded } from './embedded-start'
import { EmbeddedMaintenance } from './maintenance'

const dirs: string[] = []
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-db-'))
  dirs.push(dir)
  return dir
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** How many threads of this process have `name` (Linux's /proc; tests run in forks, one file each). */
function threadsNamed(name: string): number {
  return readdirSync('/proc/self/task').filter(
    (t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === name,
  ).length
}

describe('openDatabase (PGlite)', () => {
  it('runs PGlite on a thread named pglite, so top -H shows the database apart from the server', async () => {
    const before = threadsNamed('pglite')
    const database = await openDatabase({ maintenance: false })
    expect(threadsNamed('pglite')).toBe(before + 1)
    await database.close()
  })

  it('keeps every answered commit when the process is killed with SIGKILL', async () => {
    const dir = tempDir()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'durability.fixture.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    const exited = new Promise((r) => child.once('exit', r))
    let lastAck = 0
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/ack (\d+)/g)) lastAck = Number(m[1])
        if (lastAck >= 200) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.on('exit', () => resolve())
    })
    await exited
    expect(lastAck).toBeGreaterThanOrEqual(200)
    const database = await openDatabase({ dataDir: dir })
    const { rows } = await sql<{
      n: number
      max: number
    }>`select count(*)::int as n, max(id) as max from acks`.execute(database.db)
    await database.close()
    expect(rows[0].max).toBeGreaterThanOrEqual(lastAck)
    expect(rows[0].n).toBe(rows[0].max) // gapless: no answered row lost
  }, 60_000)

  it('says what to do when the data directory cannot be opened, and releases it', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'pg'))
    writeFileSync(join(dir, 'pg', 'PG_VERSION'), 'not a version\n')
    // Started early as `parley start` does: nobody awaits it until openDatabase, and the failure
    // arriving meanwhile must not be an unhandled rejection.
    const started = startEmbedded({ dataDir: dir })
    await new Promise((r) => setTimeout(r, 2_000))
    const opening = openDatabase({ dataDir: dir, started })
    await expect(opening).rejects.toBeInstanceOf(EmbeddedDatabaseError)
    await expect(opening).rejects.toThrow(/could not be opened.*move that directory away/)
    expect(existsSync(join(dir, 'parley.lock'))).toBe(false)
  }, 30_000)

  it('refuses a second process on the same data directory with a clear error', async () => {
    const dir = tempDir()
    const first = await openDatabase({ dataDir: dir })
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('${join(import.meta.dirname, 'database.ts')}').then(m => m.openDatabase({ dataDir: '${dir}' })).then(() => process.exit(0), (e) => { console.error(e.name + ': ' + e.message); process.exit(3) })`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (c) => (stderr += c))
      const code = await new Promise((r) => child.on('exit', r))
      expect(code).toBe(3)
      expect(stderr).toContain(DataDirLockedError.name)
      expect(stderr).toContain('in use by process')
    } finally {
      await first.close()
    }
  }, 60_000)

  it('reopens a data directory after a clean close', async () => {
    const dir = tempDir()
    const a = await openDatabase({ dataDir: dir })
    await sql`create table t (v text)`.execute(a.db)
    await sql`insert into t values ('kept')`.execute(a.db)
    await a.close()
    const b = await openDatabase({ dataDir: dir })
    const { rows } = await sql<{ v: string }>`select v from t`.execute(b.db)
    await b.close()
    expect(rows).toEqual([{ v: 'kept' }])
  }, 60_000)

  it('runs maintenance on an embedded database unless told not to', async () => {
    const database = await openDatabase({})
    expect(database.maintenance).toBeInstanceOf(EmbeddedMaintenance)
    await database.close()
  }, 60_000)

  it('analyzes and vacuums by itself (PGlite has no autovacuum)', async () => {
    const database = await openDatabase({ maintenance: false })
    const stats = async () => {
      const { rows } = await sql<{
        reltuples: number
        dead: number
        stats: number
      }>`select c.reltuples::float8 as reltuples, s.n_dead_tup::int as dead,
          (select count(*)::int from pg_stats where tablename = 'notes') as stats
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relname = 'notes'`.execute(
        database.db,
      )
      return rows[0]
    }
    try {
      await sql`create table notes (id int primary key, body text)`.execute(database.db)
      await sql`insert into notes select g, 'note ' || g from generate_series(1, 2000) g`.execute(database.db)
      // Never analyzed: the planner has no statistics and guesses the row count.
      expect(await stats()).toMatchObject({ reltuples: -1, stats: 0 })
      expect(database.maintenance).toBeUndefined()
      const maintenance = new EmbeddedMaintenance(database.db)
      expect((await maintenance.pass()).analyzed).toContain('public.notes')
      expect(await stats()).toMatchObject({ reltuples: 2000, stats: 2 })

      await sql`update notes set body = body || '!' where id <= 1000`.execute(database.db)
      // Cumulative statistics reach the shared counters at most once a second.
      await expect.poll(async () => (await stats()).dead, { timeout: 10_000, interval: 300 }).toBe(1000)
      const report = await maintenance.pass()
      expect(report.vacuumed).toEqual(['public.notes'])
      await expect.poll(async () => (await stats()).dead, { timeout: 10_000, interval: 300 }).toBe(0)
      expect((await maintenance.pass()).vacuumed).toEqual([])
    } finally {
      await database.close()
    }
  }, 60_000)
})

let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
beforeAll(async () => {
  if (process.env.DATABASE_URL)
    scratch = await createScratchDatabase(process.env.DATABASE_URL, 'parley_prepare')
})
afterAll(() => scratch?.drop())

/** PGlite always; PostgreSQL when the environment names one (one pooled connection, so one session). */
const engines: { engine: string; open: (options?: { prepare?: boolean }) => Promise<Database> }[] = [
  { engine: 'PGlite', open: (options) => openDatabase({ maintenance: false, ...options }) },
  ...(process.env.DATABASE_URL
    ? [
        {
          engine: 'PostgreSQL',
          open: (options?: { prepare?: boolean }) =>
            openDatabase({ url: scratch!.url, poolSize: 1, ...options }),
        },
      ]
    : []),
]

describe.each(engines)('hot statements as named ones ($engine)', ({ open }) => {
  /** Named statements of the session (pg_prepared_statements is per session). */
  async function preparedOf(db: Db): Promise<string[]> {
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
      db,
    )
    return rows.map((r) => r.statement)
  }

  it('prepares a statement once it is hot, and keeps answering after a migration changes its columns', async () => {
    const database = await open()
    const { db } = database
    try {
      await sql`drop table if exists prepared_t`.execute(db)
      await sql`create table prepared_t (id int primary key, a text)`.execute(db)
      await sql`insert into prepared_t values (1, 'one'), (2, 'two')`.execute(db)
      const byId = (id: number) => db.selectFrom('prepared_t').selectAll().where('id', '=', id).execute()
      for (let i = 0; i < 6; i++) expect(await byId(1)).toEqual([{ id: 1, a: 'one' }])
      expect(await preparedOf(db)).toContain('select * from "prepared_t" where "id" = $1')

      // The prepared plan's columns are stale now: PostgreSQL refuses it (0A000) and it runs renamed.
      await sql`alter table prepared_t add column b int default 7`.execute(db)
      expect(await byId(2)).toEqual([{ id: 2, a: 'two', b: 7 }])
      expect(await byId(1)).toEqual([{ id: 1, a: 'one', b: 7 }])

      // Inside a transaction the refusal aborts it; the caller's next try runs.
      await sql`alter table prepared_t add column c int default 8`.execute(db)
      await expect(
        db
          .transaction()
          .execute((trx) => trx.selectFrom('prepared_t').selectAll().where('id', '=', 1).execute()),
      ).rejects.toMatchObject({ code: '0A000' })
      expect(
        await db
          .transaction()
          .execute((trx) => trx.selectFrom('prepared_t').selectAll().where('id', '=', 1).execute()),
      ).toEqual([{ id: 1, a: 'one', b: 7, c: 8 }])
    } finally {
      await sql`drop table if exists prepared_t`.execute(db)
      await database.close()
    }
  })

  it('answers a named statement as it answers an unnamed one: values, affected rows, errors', async () => {
    const database = await open()
    const { db } = database
    try {
      await sql`drop table if exists prepared_v`.execute(db)
      await sql`create table prepared_v (id uuid primary key, n int8, price numeric, at timestamptz, tags text[],
        doc jsonb, raw bytea, ok boolean, note text)`.execute(db)
      const row = {
        id: '7f1c0d1e-2a3b-4c5d-8e9f-001122334455',
        n: 9_007_199_254_740_991,
        price: '12.50',
        at: new Date('2026-12-07T06:00:00.123Z'),
        tags: ['a', 'b,c', 'd"e'],
        doc: { k: [1, 'two'] },
        raw: Buffer.from([0, 1, 254, 255]),
        ok: true,
        note: null,
      }
      await db.insertInto('prepared_v').values(row).execute()
      const read = () =>
        db
          .selectFrom('prepared_v')
          .selectAll()
          .where('id', '=', sql<string>`any(${[row.id]}::uuid[])`)
          .where('n', '>', -1)
          .execute()
      const unnamed = await read()
      for (let i = 0; i < 6; i++) await read()
      const named = await read()
      expect(named).toEqual(unnamed)
      expect(named[0]).toMatchObject({ ...row, raw: expect.anything() })
      expect(Buffer.from(named[0].raw as Uint8Array)).toEqual(row.raw)

      const touch = (note: string) =>
        db.updateTable('prepared_v').set({ note }).where('ok', '=', true).executeTakeFirstOrThrow()
      for (let i = 0; i < 6; i++) expect(Number((await touch(`n${i}`)).numUpdatedRows)).toBe(1)

      // A named statement's error carries what pg's does, and the session goes on (outside and inside a transaction).
      const insertSame = (on: Db = db) => on.insertInto('prepared_v').values({ id: row.id, n: 1 }).execute()
      for (let i = 0; i < 6; i++) {
        await expect(insertSame()).rejects.toMatchObject({ code: '23505', constraint: 'prepared_v_pkey' })
      }
      await expect(db.transaction().execute((trx) => insertSame(trx))).rejects.toMatchObject({
        code: '23505',
      })
      expect(await preparedOf(db)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^insert into "prepared_v"/),
          expect.stringMatching(/^update/),
        ]),
      )
      expect(await db.selectFrom('prepared_v').select('note').execute()).toEqual([{ note: 'n5' }])
    } finally {
      await sql`drop table if exists prepared_v`.execute(db)
      await database.close()
    }
  })

  it('sends every statement unnamed with prepare: false (DATABASE_PREPARE=off)', async () => {
    const database = await open({ prepare: false })
    try {
      for (let i = 0; i < 6; i++) await sql`select ${i}::int as n`.execute(database.db)
      expect(await preparedOf(database.db)).toEqual([])
    } finally {
      await database.close()
    }
  })
})
