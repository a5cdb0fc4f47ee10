import { statSync } from 'node:fs'

import { loadConfig } from '@parley/platform/early'

import { summarize } from '../backup/summary'
import { commandEnv, defineCommand } from '../cli/command'

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'back up the embedded install to FILE (also while it runs)',
  usage: '<file>',
  description: [
    'Writes one .tar.gz with the database, the signing keys and secrets, avatars and attachments',
    'of DATA_DIR, and a manifest (version, migrations, cut-off). While Parley runs, the running',
    'server takes the snapshot over its local control socket (writes wait for that moment);',
    'while it is stopped, this command reads DATA_DIR itself. FILE must not exist yet.',
    'On PostgreSQL use pg_dump instead (docs/runbooks/operations.md).',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ positionals: [file], io }) {
    const config = loadConfig(commandEnv())
    const { backupInstall } = await import('../backup/backup')
    const { manifest, via } = await backupInstall(config, file)
    const mb = (statSync(file).size / 1e6).toFixed(1)
    io.out(`Backup written to ${file} (${mb} MB): ${summarize(manifest)}.`)
    io.out(
      `  Cut-off: ${manifest.cut_off.at} (everything committed before it is in the backup; taken by the ${via}).`,
    )
    return 0
  },
})
