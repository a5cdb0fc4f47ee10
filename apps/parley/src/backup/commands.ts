import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Config } from '@parley/platform'
import type { Manifest } from './manifest'

/*
 * The backup, restore and migrate commands: argument parsing, help and what the operator reads.
 * The work itself is in backup.ts, restore.ts and migrate.ts.
 */

export const BACKUP_HELP = `Usage: parley backup FILE

Writes a consistent backup of the embedded install in DATA_DIR to FILE (a .tar.gz): the
database, the signing keys and secrets, avatars and attachments. Works while Parley runs (the
running server takes the snapshot; writes pause for the moment it takes) and while it is stopped.
FILE must not exist yet. On PostgreSQL use pg_dump instead (docs/runbooks/operations.md).

Options:
  -h, --help   show this help`

export const RESTORE_HELP = `Usage: parley restore FILE [--database-url postgres://...]

Restores a backup made by \`parley backup\` into an empty DATA_DIR (the embedded database, as it
was), or, with --database-url (or DATABASE_URL), into an empty PostgreSQL database: users,
contacts, conversations, messages, receipts and signing keys; files go to S3 when S3_URL is set,
else to DATA_DIR/files.

Options:
  --database-url URL   restore into this empty PostgreSQL database
  -h, --help           show this help`

export const MIGRATE_HELP = `Usage: parley migrate --to postgres://...

Moves the stopped embedded install in DATA_DIR into an empty PostgreSQL database: every user
(passwords unchanged), contact, conversation, message, receipt, attachment and signing key.
Files are copied to S3 when S3_URL is set; otherwise they stay in DATA_DIR/files. Then start
Parley with DATABASE_URL set to the same URL.

Options:
  --to URL     the empty PostgreSQL database to move into (required)
  -h, --help   show this help`

/** A command's outcome: what to print and the exit code (0 done, 1 failed, 2 usage). */
export interface CommandIo {
  out(line: string): void
  err(line: string): void
}

/** Thrown for a usage mistake: the CLI prints the line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

function parse(
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
  usage: string,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    }
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (${usage.split('\n')[0]}; see --help)`)
  }
}

function summary(manifest: Manifest): string {
  const c = manifest.cut_off.counts
  const parts = [
    [c['auth.users'], 'user'],
    [c['chat.conversations'], 'conversation'],
    [c['chat.messages'], 'message'],
    [c['chat.attachments'], 'attachment'],
  ]
    .filter(([n]) => n !== undefined)
    .map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`)
  return parts.join(', ')
}

/** `parley backup FILE` */
export async function backupCommand(
  argv: string[],
  loadConfig: () => Config,
  io: CommandIo,
): Promise<number> {
  const { values, positionals } = parse(argv, {}, BACKUP_HELP)
  if (values.help) return (io.out(BACKUP_HELP), 0)
  if (positionals.length !== 1)
    throw new UsageError(`parley backup takes one FILE (got ${positionals.length}); see parley backup --help`)
  const config = loadConfig()
  const { backupInstall } = await import('./backup')
  const file = positionals[0]
  const { manifest, via } = await backupInstall(config, file)
  const mb = (statSync(file).size / 1e6).toFixed(1)
  io.out(`Backup written to ${file} (${mb} MB): ${summary(manifest)}, ${manifest.files.length} files.`)
  io.out(
    `  Cut-off: ${manifest.cut_off.at} (everything committed before it is in the backup; taken by the ${via}).`,
  )
  return 0
}

/** `parley restore FILE [--database-url URL]` */
export async function restoreCommand(
  argv: string[],
  loadConfig: () => Config,
  io: CommandIo,
): Promise<number> {
  const { values, positionals } = parse(argv, { 'database-url': { type: 'string' } }, RESTORE_HELP)
  if (values.help) return (io.out(RESTORE_HELP), 0)
  if (positionals.length !== 1)
    throw new UsageError(
      `parley restore takes one FILE (got ${positionals.length}); see parley restore --help`,
    )
  const databaseUrl = values['database-url'] as string | undefined
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new UsageError('--database-url must be a postgres:// URL; see parley restore --help')
  const config = loadConfig()
  const { restoreInstall } = await import('./restore')
  const report = await restoreInstall(config, positionals[0], { databaseUrl })
  const m = report.manifest
  const where =
    report.into === 'embedded' ? `the embedded database in ${resolve(config.dataDir)}` : 'PostgreSQL'
  io.out(
    `Restored ${positionals[0]} (cut-off ${m.cut_off.at}) into ${where}: ${summary(m)}, ${m.files.length} files.`,
  )
  if (report.into === 'postgres') {
    io.out(
      `  ${report.copy!.keys} signing key(s) moved into auth.signing_keys; files ${report.uploaded !== undefined ? `uploaded to S3 (${report.uploaded})` : `in ${resolve(config.dataDir, 'files')}`}.`,
    )
    io.out(
      `  Start Parley with DATABASE_URL set to that database (and DATA_DIR=${config.dataDir} for the local secrets${report.uploaded !== undefined ? '' : ' and files'}).`,
    )
  } else {
    io.out('  Start Parley on it with: npm start')
  }
  return 0
}

/** `parley migrate --to URL` */
export async function migrateCommand(
  argv: string[],
  loadConfig: () => Config,
  io: CommandIo,
): Promise<number> {
  const { values, positionals } = parse(argv, { to: { type: 'string' } }, MIGRATE_HELP)
  if (values.help) return (io.out(MIGRATE_HELP), 0)
  if (positionals.length)
    throw new UsageError(
      `parley migrate takes no FILE (got ${positionals[0]}); to restore a backup use parley restore FILE --database-url URL`,
    )
  const to = values.to as string | undefined
  if (!to) throw new UsageError('parley migrate needs --to postgres://...; see parley migrate --help')
  if (!/^postgres(ql)?:\/\//.test(to))
    throw new UsageError('--to must be a postgres:// URL; see parley migrate --help')
  const config = loadConfig()
  const { migrateInstall } = await import('./migrate')
  const { copy, uploaded } = await migrateInstall(config, to)
  const n = (table: string) => copy.rows[table] ?? 0
  io.out(
    `Moved ${resolve(config.dataDir)} into PostgreSQL: ${n('auth.users')} users, ${n('chat.conversations')} conversations, ${n('chat.messages')} messages, ${copy.keys} signing key(s).`,
  )
  io.out(
    uploaded !== undefined
      ? `  ${uploaded} files copied to S3.`
      : `  Files stay in ${resolve(config.dataDir, 'files')}: keep DATA_DIR=${config.dataDir}.`,
  )
  io.out(
    '  Start Parley with DATABASE_URL set to that URL. Keep DATA_DIR until you have checked the new install.',
  )
  return 0
}
