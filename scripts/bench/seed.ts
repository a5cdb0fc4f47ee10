/**
 * Bench-only seeding, run as its own process BEFORE the measured server starts, on the same
 * data directory (embedded) or database (DATABASE_URL). It builds the same services the server
 * runs and goes through their own code: users are inserted by auth's repository and announced
 * with auth's `user.registered` event (one argon2 hash shared by all bench users instead of one
 * per user: hashing 13,000 passwords would take minutes and measure nothing), sessions and
 * access tokens come from auth's `startSession`, groups are created through the chat REST API
 * (in-process `inject`, real routes and auth), direct conversations from `contact.accepted`
 * events exactly as the contacts service publishes them. Tokens are never hard-coded.
 *
 *   node --import tsx scripts/bench/seed.ts --out seed.json --plan a:10x100,b:1000x2,c:100x100
 *
 * A plan of groups with more than 5,000 users (scenario c at scale) is written in bulk instead:
 * seed-bulk.ts (multi-row inserts, 100,000 users in a few hundred statements).
 *
 * Environment: the same as the server (DATA_DIR or DATABASE_URL, ACCESS_TOKEN_TTL, ...).
 */
import { writeFileSync } from 'node:fs'

import { buildServer, createPlatform, loadConfig, newId, newPersonId, transaction } from '@parley/platform'

import { loadServices } from '../../apps/parley/src/services'
import type { AuthContext } from '../../services/auth/src/context'
import { KeyRing, keySourceFor } from '../../services/auth/src/keys/signing-keys'
import { hashPassword } from '../../services/auth/src/passwords/password-hashing'
import { startSession } from '../../services/auth/src/sessions/sessions.service'
import { publishUser } from '../../services/auth/src/users/accounts.service'
import { findTenantBySlug, insertUser, type UserRow } from '../../services/auth/src/users/users.repository'
import { BULK_FROM, seedBulk } from './seed-bulk'

export const SEED_SERVICES = ['auth', 'profile', 'contacts', 'chat'] as const

interface PlanItem {
  key: string
  rooms: number
  members: number
}

export interface SeedUser {
  id: string
  token: string
}
export interface SeedScenario {
  users: SeedUser[]
  /** Room index → conversation id. */
  rooms: string[]
}
export type SeedFile = Record<string, SeedScenario>

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`)
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1]
  if (fallback === undefined) throw new Error(`--${name} is required`)
  return fallback
}

function parsePlan(text: string): PlanItem[] {
  return text.split(',').map((part) => {
    const [key, shape] = part.split(':')
    const [rooms, members] = shape.split('x').map(Number)
    return { key, rooms, members }
  })
}

async function main() {
  const out = arg('out')
  const plan = parsePlan(arg('plan'))
  const t0 = performance.now()
  const say = (text: string) =>
    process.stderr.write(`[seed ${((performance.now() - t0) / 1000).toFixed(1)}s] ${text}\n`)
  const config = loadConfig()
  const platform = await createPlatform(config)
  const server = await buildServer(platform, await loadServices(SEED_SERVICES))
  const keys = new KeyRing(
    keySourceFor({
      privateKey: config.jwt.privateKey,
      dbUrl: config.db.url,
      dataDir: config.dataDir,
      db: platform.db,
    }),
  )
  await keys.reload()
  // Only what startSession and publishUser read (the auth context may grow other members).
  const auth = { platform, db: platform.db, config, log: platform.log, keys } as unknown as AuthContext
  const tenant = await findTenantBySlug(platform.db, 'default')
  if (!tenant) throw new Error('default tenant missing')
  const passwordHash = await hashPassword('bench-password-not-used-for-login')

  const result: SeedFile = {}
  const personIds = new Set<string>()
  const freshPersonId = () => {
    for (;;) {
      const id = newPersonId()
      if (!personIds.has(id)) return (personIds.add(id), id)
    }
  }
  say('platform ready')
  for (const item of plan) {
    const n = item.rooms * item.members
    if (n > BULK_FROM && item.members > 2) {
      result[item.key] = await seedBulk(auth, platform, item, tenant.id, passwordHash, freshPersonId, say)
      continue
    }
    const rows: UserRow[] = []
    for (let start = 0; start < n; start += 250) {
      const chunk = await transaction(platform.db, async (tx) => {
        const made: UserRow[] = []
        for (let i = start; i < Math.min(n, start + 250); i++) {
          const username = `bench_${item.key}_${i}_${newId().slice(-8)}`
          const row = await insertUser(tx.db, {
            id: newId(),
            tenant_id: tenant.id,
            person_id: freshPersonId(),
            email: `${username}@bench.invalid`,
            username,
            password_hash: passwordHash,
            first_name: 'Bench',
            last_name: `${item.key}${i}`,
          })
          await publishUser(auth, tx, 'user.registered', row)
          made.push(row)
        }
        return made
      })
      rows.push(...chunk)
    }
    say(`${item.key}: ${n} users inserted`)
    const users: SeedUser[] = []
    for (let start = 0; start < rows.length; start += 50) {
      const pairs = await Promise.all(rows.slice(start, start + 50).map((row) => startSession(auth, row)))
      pairs.forEach((p, k) => users.push({ id: rows[start + k].id, token: p.access }))
    }
    say(`${item.key}: ${n} sessions started`)
    await platform.bus.drain()
    const rooms: string[] = []
    if (item.members === 2) {
      // Direct conversations follow the contact graph: one `contact.accepted` per pair.
      for (let start = 0; start < item.rooms; start += 250) {
        await transaction(platform.db, async (tx) => {
          for (let r = start; r < Math.min(item.rooms, start + 250); r++) {
            const a = rows[r * 2]
            const b = rows[r * 2 + 1]
            const roomId = newId()
            rooms.push(roomId)
            await platform.bus.publish(tx, 'contacts', {
              type: 'contact.accepted',
              tenantId: tenant.id,
              payload: {
                room_id: roomId,
                invite_id: newId(),
                users: [a, b].map((u) => ({ user_id: u.id, person_id: u.person_id, username: u.username })),
              },
            })
          }
        })
      }
      await platform.bus.drain()
    } else {
      for (let r = 0; r < item.rooms; r++) {
        const owner = users[r * item.members]
        const others = users.slice(r * item.members + 1, (r + 1) * item.members).map((u) => u.id)
        const res = await server.app.inject({
          method: 'POST',
          url: '/api/chat/conversations/',
          headers: { authorization: `Bearer ${owner.token}` },
          payload: { type: 'group', name: `bench ${item.key} ${r}`, participant_ids: others },
        })
        if (res.statusCode !== 201 && res.statusCode !== 200)
          throw new Error(`create group: ${res.statusCode} ${res.body}`)
        rooms.push(res.json().id)
      }
    }
    say(`${item.key}: ${item.rooms} conversations of ${item.members}`)
    result[item.key] = { users, rooms }
  }
  await platform.bus.drain()
  await server.close()
  writeFileSync(out, JSON.stringify(result))
  say('done')
}

main().catch((err) => {
  process.stderr.write(`seed failed: ${err?.stack ?? err}\n`)
  process.exit(1)
})
