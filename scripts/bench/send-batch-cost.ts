/**
 * What the send path's one statement costs alone: `chat.send_batch` called through the writer's own
 * repository function (the app's database layer, named statements included), one call at a time,
 * with nothing else running in the process, for batches of 1 to 256 messages to distinct direct
 * conversations. It answers "how fast could the writer go if nothing else wanted the database",
 * the bound that docs/BENCHMARKS.md puts beside the closed loop of scenario (b).
 *
 *   node --import tsx scripts/bench/send-batch-cost.ts [--db embedded|postgres] [--secs 3] [--sizes 1,8,32,64,128,256] [--json]
 *
 * `npm run bench` runs it after scenario (b)'s runs, with `--sizes 32,64 --json` (its last line is
 * the JSON summary), so that every sitting has the bound of its own hour.
 *
 * Embedded: a fresh temp data directory (PGlite on its thread, as the server runs it). PostgreSQL:
 * a scratch database `parley_sbcost_*` on DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * dropped at the end. Both start with the chat schema and 4,000 direct conversations of 2 members.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { buildServer, createPlatform, loadConfig, newId } from '@parley/platform'
import { createScratchDatabase } from '@parley/platform/testing'
import { sql } from 'kysely'

import { loadServices } from '../../apps/parley/src/services'
import type { ChatDb } from '../../services/chat/src/db/schema'
import { sendBatch, type SendItem } from '../../services/chat/src/messages/messages.repository'
import { baseDbUrl, option } from './options'
import { fmt, table } from './report'

/** What `--json` prints: milliseconds per call of each batch size. */
export interface SendCost {
  engine: string
  sizes: Array<{ messages: number; ms: number; calls: number }>
}

const CONVERSATIONS = 4_000
const TENANT = 'sbcost'

/** One sender of each of CONVERSATIONS new direct conversations. */
async function seedPairs(db: ChatDb): Promise<Array<{ conversationId: string; senderId: string }>> {
  const pairs = Array.from({ length: CONVERSATIONS }, () => ({
    conversationId: newId(),
    senderId: newId(),
    otherId: newId(),
  }))
  for (let i = 0; i < pairs.length; i += 500) {
    const chunk = pairs.slice(i, i + 500)
    await db
      .insertInto('chat.conversations')
      .values(chunk.map((p) => ({ id: p.conversationId, tenant_id: TENANT, type: 'direct' })))
      .execute()
    await db
      .insertInto('chat.participants')
      .values(
        chunk.flatMap((p) => [
          { conversation_id: p.conversationId, user_id: p.senderId, role: 'member' },
          { conversation_id: p.conversationId, user_id: p.otherId, role: 'member' },
        ]),
      )
      .execute()
  }
  await sql`analyze`.execute(db)
  return pairs
}

async function main() {
  const engine = option('db', 'embedded')
  const secs = Number(option('secs', '3'))
  const sizes = option('sizes', '1,8,32,64,128,256')!.split(',').map(Number)
  const json = option('json') !== undefined
  if (engine !== 'embedded' && engine !== 'postgres') throw new Error('--db is embedded or postgres')

  const cleanups: Array<() => Promise<void> | void> = []
  const env: Record<string, string> = { LOG_LEVEL: 'warn', RATE_LIMITS: 'off' }
  if (engine === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-sbcost-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    env.DATA_DIR = dir
    delete process.env.DATABASE_URL
  } else {
    const scratch = await createScratchDatabase(baseDbUrl, 'parley_sbcost')
    cleanups.push(() => scratch.drop())
    env.DATABASE_URL = scratch.url
    delete process.env.REDIS_URL
  }
  Object.assign(process.env, env)
  try {
    const platform = await createPlatform(loadConfig())
    const server = await buildServer(platform, await loadServices(['chat']))
    cleanups.unshift(() => server.close())
    const db = platform.db as unknown as ChatDb
    const pairs = await seedPairs(db)
    let next = 0
    const batch = (n: number): SendItem[] =>
      Array.from({ length: n }, () => {
        const p = pairs[next++ % pairs.length]
        return {
          id: newId(),
          attachmentIds: [],
          tenantId: TENANT,
          conversationId: p.conversationId,
          senderId: p.senderId,
          content: 'a message of ordinary length, as the load generator sends',
          messageType: 'text',
          replyTo: null,
          clientId: newId(),
        }
      })
    const rows = [['messages per call', 'ms per call', 'µs per message', 'messages/s']]
    const measured: SendCost['sizes'] = []
    for (const n of sizes) {
      // Warm up (plans, named statements, caches) before timing.
      for (let i = 0; i < 20; i++) await sendBatch(db, batch(n))
      let calls = 0
      const t0 = performance.now()
      while (performance.now() - t0 < secs * 1000) {
        await sendBatch(db, batch(n))
        calls++
      }
      const ms = (performance.now() - t0) / calls
      measured.push({ messages: n, ms: Math.round(ms * 1000) / 1000, calls })
      rows.push([fmt(n), fmt(ms, 3), fmt((ms * 1000) / n, 1), fmt((n * 1000) / ms)])
    }
    console.log(`chat.send_batch alone, ${engine}, ${secs} s per size (one call at a time)\n${table(rows)}`)
    if (json) console.log(JSON.stringify({ engine, sizes: measured } satisfies SendCost))
  } finally {
    for (const cleanup of cleanups) await cleanup()
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
