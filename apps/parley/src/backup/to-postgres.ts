import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

import {
  type Db,
  type FileStorage,
  migrateServices,
  openDatabase,
  type ServiceModule,
} from '@parley/platform'
import { sql } from 'kysely'

import { loadServices } from '../services'
import { assertEmptyTarget, copySchemas } from './copy-tables'
import { BackupError } from './manifest'

/** The services with tables, whose schemas make up an install. */
export async function dataServices(): Promise<ServiceModule[]> {
  return (await loadServices(['auth', 'profile', 'contacts', 'chat'])).filter((m) => m.schema)
}

/**
 * Refuses a backup whose migrations this Parley does not know (made by a newer version): its
 * tables could hold what this code cannot read. An older backup is fine: it is migrated forward.
 */
export function assertKnownMigrations(schemas: Record<string, string[]>, modules: ServiceModule[]): void {
  for (const [schema, names] of Object.entries(schemas)) {
    const module = modules.find((m) => m.schema === schema)
    const known = new Set(['00000000T000000Z-platform-outbox', ...Object.keys(module?.migrations ?? {})])
    const unknown = names.filter((n) => !known.has(n))
    if (!module || unknown.length) {
      throw new BackupError(
        `The backup has ${module ? `migration ${unknown[0]} of ${schema}` : `a schema ${schema}`} that this Parley does not know: restore it with the Parley version that made it (or a newer one).`,
      )
    }
  }
}

export interface CopyReport {
  rows: Record<string, number>
  keys: number
}

/**
 * Moves an embedded database (`source`, already open) into the empty PostgreSQL at `targetUrl`:
 * both are migrated by this code, every table is copied, sequences continue after the copied
 * ids, and the signing keys of `keysDir` become rows of `auth.signing_keys` (the PostgreSQL key
 * source), so tokens signed before the move stay valid. On failure the target's schemas are
 * dropped again, leaving it as empty as it was.
 */
export async function copyInstallToPostgres(options: {
  source: Db
  targetUrl: string
  keysDir?: string
}): Promise<CopyReport> {
  const modules = await dataServices()
  const schemas = modules.map((m) => m.schema!)
  let target
  try {
    target = await openDatabase({ url: options.targetUrl, poolSize: 2 })
    await target.ping()
  } catch (err) {
    await target?.close()
    throw new BackupError(
      `Could not connect to the target database (${(err as Error).message}). Check the URL and that the database exists (createdb).`,
    )
  }
  try {
    await assertEmptyTarget(target.db, schemas)
    try {
      await migrateServices(options.source, modules)
      await migrateServices(target.db, modules)
      const rows = await copySchemas(options.source, target.db, schemas)
      const keys = options.keysDir ? await importKeyFiles(target.db, options.keysDir) : 0
      return { rows, keys }
    } catch (err) {
      for (const schema of schemas)
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(target.db).catch(() => {})
      throw err
    }
  } finally {
    await target.close()
  }
}

interface StoredKeyFile {
  kid: string
  alg: string
  created_at: string
  retired_at?: string | null
  private_jwk: Record<string, unknown>
}

/**
 * The embedded key files (`DATA_DIR/keys/*.json`) as `auth.signing_keys` rows, oldest first
 * (generation order), so the newest signs and all of them verify, as they did before.
 */
async function importKeyFiles(target: Db, keysDir: string): Promise<number> {
  if (!existsSync(keysDir)) return 0
  const keys: StoredKeyFile[] = []
  for (const name of readdirSync(keysDir)) {
    if (!name.endsWith('.json')) continue
    try {
      keys.push(JSON.parse(readFileSync(join(keysDir, name), 'utf8')) as StoredKeyFile)
    } catch {
      throw new BackupError(`The signing key file ${name} is not valid JSON; the keys were not moved.`)
    }
  }
  keys.sort((a, b) => a.created_at.localeCompare(b.created_at))
  for (const key of keys) {
    const { kty, crv, x } = key.private_jwk
    await sql`insert into auth.signing_keys (kid, generation, alg, private_jwk, public_jwk, created_at, retired_at)
      values (${key.kid}, (select coalesce(max(generation), 0) + 1 from auth.signing_keys), ${key.alg},
        ${JSON.stringify(key.private_jwk)}, ${JSON.stringify({ kty, crv, x })}, ${key.created_at}::timestamptz, ${key.retired_at ?? null}::timestamptz)
      on conflict (kid) do nothing`.execute(target)
  }
  return keys.length
}

/** Every file under `root` (avatars, attachments) put into `storage` under its relative key. */
export async function uploadFiles(root: string, storage: FileStorage): Promise<number> {
  let count = 0
  const walk = async (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
        await storage.put(relative(root, full).split(sep).join('/'), await readFile(full))
        count++
      }
    }
  }
  if (existsSync(root)) await walk(root)
  return count
}
