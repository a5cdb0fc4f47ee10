/** One option of a command, as `node:util` parseArgs reads it, plus what `--help` says about it. */
export interface CommandOption {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** One line for `--help`. */
  description: string
  /** What the value is called in `--help` (`--to <url>`); string options only. */
  valueName?: string
}

type OptionValue<O extends CommandOption> = O['type'] extends 'string'
  ? O['multiple'] extends true
    ? string[]
    : string
  : O['multiple'] extends true
    ? boolean[]
    : boolean

export type OptionValues<O extends Record<string, CommandOption>> = { [K in keyof O]?: OptionValue<O[K]> }

/** Where a command writes: stdout for results, stderr for progress and problems. */
export interface CommandIo {
  out(line: string): void
  err(line: string): void
}

export interface CommandInput<O extends Record<string, CommandOption>> {
  values: OptionValues<O>
  positionals: string[]
  io: CommandIo
}

/**
 * A `parley` command: one module under src/commands/ exports one, and commands/index.ts lists it.
 * Commands that need the database use `openPlatform(config, services)` (cli/open-platform.ts).
 * `--help`/`-h` is added to every command by the dispatcher and never reaches `run`.
 */
export interface Command<O extends Record<string, CommandOption> = Record<string, CommandOption>> {
  /** The words typed after `parley`: `start`, `tenants create`. */
  name: string
  /** One line for `parley --help`. */
  summary: string
  /** The arguments after the name, for the usage line: `<slug>`, `[<service>...]`. Empty: none. */
  usage: string
  /** Paragraphs after the usage line in `parley <name> --help`. */
  description?: string
  options: O
  /** How many positional arguments are accepted. */
  positionals: { min: number; max: number }
  /**
   * Does the work. A number is the exit code, after which the process exits; `undefined` means it
   * keeps running (a server) until a signal.
   */
  run(input: CommandInput<O>): Promise<number | undefined>
}

/** Keeps the option types of one command literal (so `values.to` is a string, not a union). */
export function defineCommand<const O extends Record<string, CommandOption>>(command: Command<O>): Command {
  return command
}

/** The person typed something this command does not take: exit 2, one line saying what to do. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/**
 * The environment a one-shot command (not a server) loads its config from: info logs are noise
 * next to its one line of result, so they are off unless LOG_LEVEL asks for them.
 */
export function commandEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' }
}
