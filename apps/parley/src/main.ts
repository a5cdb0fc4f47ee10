import { existsSync, readFileSync } from 'node:fs'

import { runCli } from './cli/run-cli'
import { COMMANDS } from './commands'

// @NOTE Variables already in the environment win over the file (process.loadEnvFile never
// overwrites), so `PORT=9000 npm start` still means 9000.
if (existsSync('.env')) process.loadEnvFile('.env')

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}

const code = await runCli(process.argv.slice(2), {
  commands: COMMANDS,
  defaultCommand: 'start',
  version,
  io: {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
})
// @NOTE undefined: a server is running and exits on its signal.
if (code !== undefined) process.exit(code)
