import { parseArgs } from 'node:util'

import { redactCredentials } from '@parley/platform/early'

import { type Command, type CommandIo, type CommandOption, type OptionValues, UsageError } from './command'
import { describeError, EXIT_FAILURE, EXIT_USAGE, showStack } from './errors'

const HELP_OPTION: CommandOption = { type: 'boolean', short: 'h', description: 'show this help' }

interface Cli {
  commands: readonly Command[]
  /** What `parley` alone runs. */
  defaultCommand: string
  version: string
  io: CommandIo
}

/**
 * Parses `argv` (without node and the script), runs the command it names, and returns the exit
 * code: 0 done, 1 operational error (one line), 2 usage error (one line), or `undefined` while a
 * server keeps running.
 */
export async function runCli(argv: readonly string[], cli: Cli): Promise<number | undefined> {
  const { io } = cli
  const args = argv.length ? [...argv] : [cli.defaultCommand]
  let command: Command | undefined
  try {
    const [first = '', ...rest] = args
    if (first === '--help' || first === '-h') return printAndExit(io, mainHelp(cli))
    if (first === '--version' || first === '-v') return printAndExit(io, cli.version)
    if (first === 'help') {
      if (rest.length === 0) return printAndExit(io, mainHelp(cli))
      const found = findCommand(cli.commands, rest)
      if (found && found.rest.length === 0) return printAndExit(io, commandHelp(found.command))
      const group = groupOf(cli.commands, rest[0] ?? '')
      if (group.length && rest.length === 1) return printAndExit(io, groupHelp(rest[0], group))
      throw new UsageError(`no command "${rest.join(' ')}". Run \`parley --help\` for the list.`)
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'. Run \`parley --help\`.`)

    const found = findCommand(cli.commands, args)
    if (!found) {
      const group = groupOf(cli.commands, first)
      if (!group.length)
        throw new UsageError(`unknown command "${first}". Run \`parley --help\` for the list.`)
      if (rest[0] === '--help' || rest[0] === '-h') return printAndExit(io, groupHelp(first, group))
      const names = group.map((c) => c.name.split(' ').slice(1).join(' '))
      const what = rest[0] === undefined ? 'needs a subcommand' : `has no subcommand "${rest[0]}"`
      throw new UsageError(`${first} ${what} (${names.join(', ')}). Run \`parley ${first} --help\`.`)
    }
    command = found.command
    const input = parseCommandArgs(command, found.rest)
    if (input === 'help') return printAndExit(io, commandHelp(command))
    const code = await command.run({ ...input, io })
    return code
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`parley: ${err.message}`)
      return EXIT_USAGE
    }
    io.err(`parley: ${describeError(err)}`)
    if (showStack()) io.err(redactCredentials(String((err as Error)?.stack ?? err)))
    return EXIT_FAILURE
  }
}

function printAndExit(io: CommandIo, text: string) {
  io.out(text)
  return 0
}

/** The command whose name is the longest match of the first words, and the words after it. */
function findCommand(commands: readonly Command[], args: readonly string[]) {
  let best: Command | undefined
  for (const command of commands) {
    const words = command.name.split(' ')
    const matches = words.every((w, i) => args[i] === w)
    if (matches && words.length > (best?.name.split(' ').length ?? 0)) best = command
  }
  return best ? { command: best, rest: args.slice(best.name.split(' ').length) } : undefined
}

/** Commands named `<group> <something>` (`keys generate`, `keys rotate`). */
function groupOf(commands: readonly Command[], group: string) {
  return commands.filter((c) => c.name.startsWith(`${group} `))
}

function parseCommandArgs(command: Command, args: string[]) {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  )
  let parsed
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    // @NOTE `--help` wins over everything else on the line, even an unknown option next to it.
    if (args.includes('--help') || args.includes('-h')) return 'help' as const
    const reason = (err as Error).message.split('. ')[0].replace(/\.$/, '')
    throw new UsageError(`${command.name}: ${lowerFirst(reason)}. Run \`parley ${command.name} --help\`.`)
  }
  if (parsed.values.help) return 'help' as const
  const { min, max } = command.positionals
  const count = parsed.positionals.length
  if (count < min || count > max) {
    const want =
      max === 0
        ? 'takes no arguments'
        : count < min
          ? `needs ${command.usage}`
          : `takes at most ${max} argument${max === 1 ? '' : 's'}`
    throw new UsageError(`${command.name} ${want}. Run \`parley ${command.name} --help\`.`)
  }
  const { help: _help, ...values } = parsed.values
  // @NOTE parseArgs checked each value against the option's type, which is what OptionValues says.
  return { values: values as OptionValues<Record<string, CommandOption>>, positionals: parsed.positionals }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

function optionLines(options: Record<string, CommandOption>) {
  const rows = Object.entries({ ...options, help: HELP_OPTION }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`
    return [flag, o.description] as const
  })
  return table(rows)
}

function table(rows: ReadonlyArray<readonly [string, string]>) {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n')
}

function usageLine(command: Command) {
  return `parley ${command.name}${command.usage ? ` ${command.usage}` : ''}`
}

function mainHelp(cli: Cli) {
  return [
    'Usage: parley [<command>] [options]',
    '',
    'Commands:',
    table(cli.commands.map((c) => [`${c.name}${c.usage ? ` ${c.usage}` : ''}`, c.summary])),
    '',
    'Options:',
    table([
      ['-h, --help', 'show this help (`parley <command> --help` for one command)'],
      ['-v, --version', 'print the version'],
    ]),
    '',
    `Without a command, parley runs \`${cli.defaultCommand}\`. Configuration comes from the environment and`,
    'from ./.env when present (variables already set win); see README.md, "Configuration".',
  ].join('\n')
}

function commandHelp(command: Command) {
  return [
    `Usage: ${usageLine(command)}${Object.keys(command.options).length ? ' [options]' : ''}`,
    '',
    command.summary.charAt(0).toUpperCase() + command.summary.slice(1) + '.',
    ...(command.description ? ['', command.description] : []),
    '',
    'Options:',
    optionLines(command.options),
  ].join('\n')
}

function groupHelp(group: string, commands: readonly Command[]) {
  return [
    `Usage: parley ${group} <command> [options]`,
    '',
    'Commands:',
    table(commands.map((c) => [usageLine(c), c.summary])),
    '',
    `Run \`parley ${group} <command> --help\` for one command.`,
  ].join('\n')
}
