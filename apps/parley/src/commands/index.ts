import type { Command } from '../cli/command'
import { backupCommand } from './backup'
import { keysGenerateCommand } from './keys-generate'
import { keysListCommand } from './keys-list'
import { keysRotateCommand } from './keys-rotate'
import { migrateCommand } from './migrate'
import { restoreCommand } from './restore'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { tenantsCreateCommand } from './tenants-create'

/**
 * Every `parley` command, in the order `parley --help` lists them. To add one: write
 * src/commands/<name>.ts exporting a `defineCommand({...})`, and list it here.
 */
export const COMMANDS: readonly Command[] = [
  startCommand,
  serveCommand,
  tenantsCreateCommand,
  keysGenerateCommand,
  keysRotateCommand,
  keysListCommand,
  backupCommand,
  restoreCommand,
  migrateCommand,
]
