import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { outboxMigration } from '../bus/outbox.migration'
import { loadConfig } from '../config'
import { type Database, openDatabase } from '../db/database'
import { migrateSchema } from '../db/migrate'
import { transaction } from '../db/transaction'
import { createPlatform, type Platform } from '../platform'
import { eventually, LogCapture, ThrowawayPostgres, ThrowawayRedis, uniqueRedisPrefix } from '../testing'

/** A node is killed (SIGKILL) while its consumer is inside a handler; another node finishes the job once. */
describe('consumer killed while handling an event', () => {
  let pgServer: ThrowawayPostgres
  let redis: ThrowawayRedis
  let database: Database
  let survivor: Platform | undefined
  const prefix = uniqueRedisPrefix()
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-kill-'))

  beforeAll(async () => {
    pgServer = await ThrowawayPostgres.start()
    redis = await ThrowawayRedis.start()
    database = await openDatabase({ url: pgServer.url })
    await migrateSchema(database.db, 'killtest', {
      '00000000T000000Z-platform-outbox': outboxMigration('killtest'),
      '20261122T000000Z-effects': {
        async up(db) {
          await sql`create table killtest.effects (event_id uuid not null, handled_by text not null)`.execute(
            db,
          )
        },
      },
    })
  })
  afterAll(async () => {
    await survivor?.close()
    await database?.close()
    await redis?.stop()
    await pgServer?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('processes the event exactly once in effect after the restart', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'consumer.fixture.ts'),
        pgServer.url,
        redis.url,
        prefix,
        dataDir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await eventually(() => out.includes('ready\n'), 30_000)

    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: pgServer.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
    })
    // The survivor only produces at first: the event must reach the child's consumer.
    survivor = await createPlatform(config, {
      database,
      logDestination: new LogCapture(),
      bus: { claimIdleMs: 500 },
    })
    survivor.bus.addOutbox('killtest')
    survivor.bus.start()
    const event = await transaction(database.db, (tx) =>
      survivor!.bus.publish(tx, 'killtest', { type: 'thing.happened', tenantId: 't1', payload: {} }),
    )
    await eventually(() => out.includes(`handling ${event.id}`), 15_000)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited

    // Nothing of the killed handler survived: its transaction never committed.
    const before = await sql<{ n: number }>`select count(*)::int as n from killtest.effects`.execute(
      database.db,
    )
    expect(before.rows[0].n).toBe(0)

    let handled = 0
    survivor.bus.subscribe({
      name: 'killtest.effects',
      schema: 'killtest',
      types: ['thing.happened'],
      async handle(e, tx) {
        handled++
        await sql`insert into killtest.effects (event_id, handled_by) values (${e.id}, 'survivor')`.execute(
          tx.db,
        )
      },
    })
    await eventually(async () => (await survivor!.bus.lag()) === 0, 20_000)
    const { rows } = await sql<{
      event_id: string
      handled_by: string
    }>`select event_id, handled_by from killtest.effects`.execute(database.db)
    expect(rows).toEqual([{ event_id: event.id, handled_by: 'survivor' }])
    expect(handled).toBe(1)
    const inbox = await sql<{
      n: number
    }>`select count(*)::int as n from killtest.inbox where event_id = ${event.id}`.execute(database.db)
    expect(inbox.rows[0].n).toBe(1)
  })
})
