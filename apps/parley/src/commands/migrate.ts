import { resolve } from 'node:path'

import { loadConfig } from '@parley/platform/early'

import { commandEnv, defineCommand, UsageError } from '../cli/command'

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'move the stopped embedded install to an empty PostgreSQL database',
  usage: '',
  description: [
    'Copies every user (passwords unchanged), contact, conversation, message, receipt and signing',
    'key of DATA_DIR into the database of --to; message seqs and sequences continue where they',
    'were. Files are copied to S3 when S3_URL is set, otherwise they stay in DATA_DIR/files.',
    'Stop Parley first. Then start it with DATABASE_URL set to the same URL.',
  ].join('\n'),
  options: {
    to: {
      type: 'string',
      description: 'the empty PostgreSQL database to move into (required)',
      valueName: 'url',
    },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const to = values.to
    if (!to) throw new UsageError('migrate needs --to postgres://... Run `parley migrate --help`.')
    if (!/^postgres(ql)?:\/\//.test(to))
      throw new UsageError('migrate: --to must be a postgres:// URL. Run `parley migrate --help`.')
    const config = loadConfig(commandEnv())
    const { migrateInstall } = await import('../backup/migrate')
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
  },
})
