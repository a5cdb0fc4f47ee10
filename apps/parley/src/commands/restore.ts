import { resolve } from 'node:path'

import { loadConfig } from '@parley/platform/early'

import { summarize } from '../backup/summary'
import { commandEnv, defineCommand, UsageError } from '../cli/command'

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'restore a backup into an empty DATA_DIR or PostgreSQL database',
  usage: '<file>',
  description: [
    'Without a database URL: into an empty DATA_DIR, as the embedded install was at the cut-off.',
    'With --database-url (or DATABASE_URL): into an empty PostgreSQL database, with every user,',
    'contact, conversation, message, receipt and signing key; files go to S3 when S3_URL is set,',
    'else to DATA_DIR/files (DATA_DIR must be empty; it also receives the local secrets).',
  ].join('\n'),
  options: {
    'database-url': {
      type: 'string',
      description: 'restore into this empty PostgreSQL database',
      valueName: 'url',
    },
  },
  positionals: { min: 1, max: 1 },
  async run({ positionals: [file], values, io }) {
    const databaseUrl = values['database-url']
    if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new UsageError('restore: --database-url must be a postgres:// URL. Run `parley restore --help`.')
    }
    const config = loadConfig(commandEnv())
    const { restoreInstall } = await import('../backup/restore')
    const report = await restoreInstall(config, file, { databaseUrl })
    const where =
      report.into === 'embedded' ? `the embedded database in ${resolve(config.dataDir)}` : 'PostgreSQL'
    io.out(
      `Restored ${file} (cut-off ${report.manifest.cut_off.at}) into ${where}: ${summarize(report.manifest)}.`,
    )
    if (report.into === 'embedded') {
      io.out('  Start Parley on it with: npm start')
      return 0
    }
    const files =
      report.uploaded !== undefined
        ? `${report.uploaded} files uploaded to S3`
        : `files in ${resolve(config.dataDir, 'files')}`
    io.out(`  ${report.copy!.keys} signing key(s) moved into the database; ${files}.`)
    io.out(
      `  Start Parley with DATABASE_URL set to that database and DATA_DIR=${config.dataDir} (local secrets${report.uploaded !== undefined ? '' : ' and files'}).`,
    )
    return 0
  },
})
