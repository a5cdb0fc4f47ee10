import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, link, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'

import type { Database, Db } from '@parley/platform'
import { sql } from 'kysely'

import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  DATA_FOLDER,
  DATABASE_FILE,
  type Manifest,
  MANIFEST_FILE,
  type ManifestFile,
  parleyVersion,
} from './manifest'

/** Entries of DATA_DIR that are not copied: the live database (dumped instead), the lock, sockets, work folders. */
export function isSkippedDataEntry(name: string): boolean {
  return (
    name === 'pg' ||
    name === 'parley.lock' ||
    name === 'run' ||
    name.startsWith('.backup-') ||
    name.startsWith('.restore-')
  )
}

/** Tables counted in the manifest's cut-off, when they exist. */
const COUNTED = ['auth.users', 'contacts.contacts', 'chat.conversations', 'chat.messages', 'chat.attachments']

/**
 * Takes a consistent snapshot of an embedded install into `stagingDir` (which must be on the
 * same file system as DATA_DIR): the PGlite data directory as a tar and DATA_DIR's files as
 * hard links, both taken while the database's one session is held, so no transaction is half
 * done and no file referenced at the cut-off can be deleted from under the copy.
 *
 * Writes wait meanwhile (about 0.3 s for an empty install, longer as the database grows); they
 * are delayed, not refused.
 */
export async function takeSnapshot(
  database: Database,
  dataDir: string,
  stagingDir: string,
): Promise<Manifest> {
  const worker = database.pglite
  if (!worker)
    throw new BackupError(
      'Only an embedded (PGlite) install can be backed up this way; on PostgreSQL use pg_dump (docs/runbooks/operations.md).',
    )
  await mkdir(join(stagingDir, DATA_FOLDER), { recursive: true })
  // @NOTE `connection()` takes the PGlite driver's one connection: every transaction has ended and
  // none starts until the callback returns. The dump itself goes to the worker directly.
  const held = await database.db.connection().execute(async (conn) => {
    await sql`checkpoint`.execute(conn)
    const at = new Date()
    const { rows: lsnRows } = await sql<{
      lsn: string
      version: string
    }>`select pg_current_wal_lsn()::text as lsn, current_setting('server_version') as version`.execute(conn)
    const schemas = await migrationNames(conn)
    const counts: Record<string, number> = {}
    const { rows: present } = await sql<{
      name: string
    }>`select table_schema || '.' || table_name as name from information_schema.tables
      where table_schema || '.' || table_name in (${sql.join(COUNTED)})`.execute(conn)
    for (const { name } of present) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(name)}`.execute(conn)
      counts[name] = rows[0].n
    }
    const dump = await worker.dump()
    const links = await linkTree(dataDir, join(stagingDir, DATA_FOLDER))
    return { at, lsn: lsnRows[0].lsn, version: lsnRows[0].version, schemas, counts, dump, links }
  })
  const dbPath = join(stagingDir, DATABASE_FILE)
  await mkdir(dirname(dbPath), { recursive: true })
  await writeFile(dbPath, new Uint8Array(held.dump))
  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    format_version: BACKUP_FORMAT_VERSION,
    parley_version: parleyVersion(),
    created_at: new Date().toISOString(),
    cut_off: { at: held.at.toISOString(), lsn: held.lsn, counts: held.counts },
    database: {
      engine: 'pglite',
      server_version: held.version,
      file: await describe(stagingDir, DATABASE_FILE),
    },
    schemas: held.schemas,
    files: await Promise.all(held.links.map((path) => describe(join(stagingDir, DATA_FOLDER), path))),
  }
  await writeFile(join(stagingDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/** Migration names per schema that has a migrations table. */
export async function migrationNames(db: Db): Promise<Record<string, string[]>> {
  const { rows: tables } = await sql<{
    schema: string
  }>`select table_schema as schema from information_schema.tables
    where table_name = 'migrations' and table_schema not in ('pg_catalog', 'information_schema') order by table_schema`.execute(
    db,
  )
  const out: Record<string, string[]> = {}
  for (const { schema } of tables) {
    const { rows } = await sql<{
      name: string
    }>`select name from ${sql.id(schema, 'migrations')} order by name`.execute(db)
    out[schema] = rows.map((r) => r.name)
  }
  return out
}

/**
 * Hard-links every regular file under `from` into `to` (copies where the file system cannot
 * link). Files are written through a temp file and a rename, so a linked inode never changes.
 */
async function linkTree(from: string, to: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(join(from, prefix), { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw err
  }
  for (const entry of entries) {
    const rel = prefix ? join(prefix, entry.name) : entry.name
    if (!prefix && isSkippedDataEntry(entry.name)) continue
    if (entry.isDirectory()) {
      out.push(...(await linkTree(from, to, rel)))
    } else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
      await mkdir(dirname(join(to, rel)), { recursive: true })
      try {
        await link(join(from, rel), join(to, rel))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'ENOENT') continue // deleted between listing and linking: not referenced any more
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw err
        await copyFile(join(from, rel), join(to, rel))
      }
      out.push(rel.split(sep).join('/'))
    }
  }
  return out
}

/** Size and SHA-256 of a file under `root`, with its archive path. */
export async function describe(root: string, path: string): Promise<ManifestFile> {
  const full = join(root, path)
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer)
  return {
    path: relative(root, full).split(sep).join('/'),
    size: (await stat(full)).size,
    sha256: hash.digest('hex'),
  }
}

/** A fresh staging folder inside DATA_DIR (hard links need the same file system). */
export async function makeStagingDir(dataDir: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = join(dataDir, `.backup-${process.pid}-${Date.now().toString(36)}`)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
