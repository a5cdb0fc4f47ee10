import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { chmod, cp, mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import {
  type Config,
  DataDirLockedError,
  LocalDiskStorage,
  openDatabase,
  startEmbedded,
} from '@parley/platform'

import { unpackArchive } from './archive'
import { BackupError, DATA_FOLDER, DATABASE_FILE, type Manifest } from './manifest'
import { migrationNames } from './snapshot'
import {
  assertKnownMigrations,
  copyInstallToPostgres,
  type CopyReport,
  dataServices,
  uploadFiles,
} from './to-postgres'

export interface RestoreReport {
  manifest: Manifest
  /** Where the database went: the data directory's PGlite, or PostgreSQL. */
  into: 'embedded' | 'postgres'
  copy?: CopyReport
  /** Files put into S3 (S3_URL) instead of the data directory. */
  uploaded?: number
}

/** Refuses a data directory that has anything in it: a restore never mixes two installs. */
export function assertEmptyDataDir(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new BackupError(
      `The data directory ${resolve(dataDir)} is not empty; restore only into an empty one (set DATA_DIR to a new directory).`,
    )
  }
}

/**
 * `parley restore FILE`: into an empty DATA_DIR (PGlite, as it was), or with a database URL into
 * an empty PostgreSQL database, files then going to S3 when S3_URL is set and to DATA_DIR otherwise.
 */
export async function restoreInstall(
  config: Config,
  file: string,
  options: { databaseUrl?: string } = {},
): Promise<RestoreReport> {
  const databaseUrl = options.databaseUrl ?? config.db.url
  if (!existsSync(file)) throw new BackupError(`No backup file at ${file}.`)
  assertEmptyDataDir(config.dataDir)
  const work = mkdtempSync(join(tmpdir(), 'parley-restore-'))
  try {
    const manifest = await unpackArchive(file, work)
    assertKnownMigrations(manifest.schemas, await dataServices())
    const dump = await readFile(join(work, DATABASE_FILE))
    const template = dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength)
    const data = join(work, DATA_FOLDER)
    if (!databaseUrl) {
      try {
        await restoreEmbedded(config.dataDir, template, manifest)
        if (existsSync(data)) await copyTree(data, config.dataDir)
        await keepPrivate(config.dataDir)
      } catch (err) {
        // @NOTE It was empty before: leave it so, rather than half an install that would start.
        await emptyDir(config.dataDir)
        throw err
      }
      return { manifest, into: 'embedded' }
    }
    const source = await openDatabase({ template, maintenance: false })
    let copy: CopyReport
    try {
      copy = await copyInstallToPostgres({
        source: source.db,
        targetUrl: databaseUrl,
        keysDir: join(data, 'keys'),
      })
    } finally {
      await source.close()
    }
    // The keys now live in the database; the card-fingerprint secret and (without S3) the files stay local.
    await mkdir(config.dataDir, { recursive: true })
    if (existsSync(join(data, 'secrets')))
      await copyTree(join(data, 'secrets'), join(config.dataDir, 'secrets'))
    await keepPrivate(config.dataDir)
    let uploaded: number | undefined
    if (config.s3) {
      const { S3Storage } = await import('@parley/platform/storage-s3')
      const s3 = new S3Storage(config.s3)
      try {
        await s3.ensureBucket()
        uploaded = await uploadFiles(join(data, 'files'), s3)
      } finally {
        s3.close()
      }
    } else if (existsSync(join(data, 'files'))) {
      await uploadFiles(join(data, 'files'), new LocalDiskStorage(join(config.dataDir, 'files')))
    }
    return { manifest, into: 'postgres', copy, uploaded }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function emptyDir(dir: string) {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) await rm(join(dir, name), { recursive: true, force: true })
}

/** Loads the database tar into DATA_DIR/pg through PGlite itself, under the data directory's lock. */
async function restoreEmbedded(dataDir: string, template: ArrayBuffer, manifest: Manifest) {
  let started
  try {
    started = startEmbedded({ dataDir, template })
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new BackupError(err.message)
    throw err
  }
  const database = await openDatabase({ dataDir, started, maintenance: false })
  try {
    const restored = await migrationNames(database.db)
    if (JSON.stringify(restored) !== JSON.stringify(manifest.schemas)) {
      throw new BackupError(
        'The restored database does not list the migrations its manifest names; the backup is inconsistent.',
      )
    }
  } finally {
    await database.close()
  }
}

/** Copies a folder's content without overwriting anything. */
async function copyTree(from: string, to: string) {
  await cp(from, to, { recursive: true, errorOnExist: true, force: false })
}

/** Keys and secrets stay private after the copy (files 0600, folders 0700), whatever the umask did. */
async function keepPrivate(dataDir: string) {
  for (const folder of ['keys', 'secrets']) {
    const dir = join(dataDir, folder)
    if (!existsSync(dir)) continue
    await chmod(dir, 0o700)
    for (const name of readdirSync(dir)) await chmod(join(dir, name), 0o600)
  }
}
