import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

import { type Config, DataDirLockedError, openDatabase, startEmbedded } from '@parley/platform'

import { packArchive, writeAtomically } from './archive'
import { requestBackup } from './control'
import { BackupError, type Manifest } from './manifest'
import { makeStagingDir, takeSnapshot } from './snapshot'

/** True when DATA_DIR holds an embedded database. */
export function hasEmbeddedDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, 'pg', 'PG_VERSION'))
}

/**
 * `parley backup FILE`: asks the running server for the backup over its control channel, or,
 * when none runs, locks the data directory and takes it itself. Answers the manifest and which
 * way it went.
 */
export async function backupInstall(
  config: Config,
  file: string,
): Promise<{ manifest: Manifest; via: 'running server' | 'data directory' }> {
  if (config.db.url) {
    throw new BackupError(
      'DATABASE_URL is set: back up PostgreSQL with pg_dump and the file store (docs/runbooks/operations.md, "Backups on PostgreSQL").',
    )
  }
  const target = resolve(file)
  if (existsSync(target))
    throw new BackupError(`${file} already exists; choose a new file name (backups are never overwritten).`)
  if (!existsSync(dirname(target))) throw new BackupError(`The folder ${dirname(target)} does not exist.`)
  if (!hasEmbeddedDatabase(config.dataDir))
    throw new BackupError(`There is no Parley database in ${resolve(config.dataDir)} (DATA_DIR) to back up.`)
  let started
  try {
    started = startEmbedded({ dataDir: config.dataDir })
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err
    return {
      manifest: await requestBackup(config.dataDir, target, lockHolder(config.dataDir)),
      via: 'running server',
    }
  }
  const database = await openDatabase({ dataDir: config.dataDir, started, maintenance: false })
  const staging = await makeStagingDir(config.dataDir)
  try {
    const manifest = await takeSnapshot(database, config.dataDir, staging.dir)
    await writeAtomically(packArchive(staging.dir), target)
    return { manifest, via: 'data directory' }
  } finally {
    await staging.remove()
    await database.close()
  }
}

function lockHolder(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(join(dataDir, 'parley.lock'), 'utf8')) || undefined
  } catch {
    return undefined
  }
}
