import { join, resolve } from 'node:path'

import { type Config, DataDirLockedError, openDatabase, startEmbedded } from '@parley/platform'

import { hasEmbeddedDatabase } from './backup'
import { BackupError } from './manifest'
import { copyInstallToPostgres, type CopyReport, uploadFiles } from './to-postgres'

/**
 * `parley migrate --to postgres://…`: moves the stopped embedded install of DATA_DIR into an
 * empty PostgreSQL database. The data directory is read, never changed beyond the migrations
 * the next start would apply; its files stay where they are, or are copied to S3 when S3_URL is set.
 */
export async function migrateInstall(
  config: Config,
  targetUrl: string,
): Promise<{ copy: CopyReport; uploaded?: number }> {
  if (!/^postgres(ql)?:\/\//.test(targetUrl))
    throw new BackupError(`--to must be a postgres:// URL, not ${JSON.stringify(targetUrl)}.`)
  if (!hasEmbeddedDatabase(config.dataDir))
    throw new BackupError(
      `There is no embedded Parley database in ${resolve(config.dataDir)} (DATA_DIR) to migrate.`,
    )
  let started
  try {
    started = startEmbedded({ dataDir: config.dataDir })
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err
    // @NOTE A running server keeps writing: what it wrote after the copy would be lost on PostgreSQL.
    throw new BackupError(
      `${err.message.replace(/ Stop it first.*$/, '')} Stop it before migrating, so nothing written after the copy is lost (to copy a running install, use parley backup, then parley restore FILE --database-url).`,
    )
  }
  const source = await openDatabase({ dataDir: config.dataDir, started, maintenance: false })
  let copy: CopyReport
  try {
    copy = await copyInstallToPostgres({
      source: source.db,
      targetUrl,
      keysDir: join(config.dataDir, 'keys'),
    })
  } finally {
    await source.close()
  }
  if (!config.s3) return { copy }
  const { S3Storage } = await import('@parley/platform/storage-s3')
  const s3 = new S3Storage(config.s3)
  try {
    await s3.ensureBucket()
    return { copy, uploaded: await uploadFiles(join(config.dataDir, 'files'), s3) }
  } finally {
    s3.close()
  }
}
