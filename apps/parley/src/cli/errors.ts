import {
  ConfigError,
  DataDirLockedError,
  EmbeddedDatabaseError,
  redactCredentials,
} from '@parley/platform/early'

export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** An expected failure whose message already says what to do (no "where" hint needed). */
export class OperationalError extends Error {
  override name = 'OperationalError'
}

/** LOG_LEVEL=debug (or trace) asks for the stack trace under the one-line message. */
export function showStack(env: NodeJS.ProcessEnv = process.env) {
  return env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace'
}

interface SystemError extends Error {
  code?: string
  port?: number
  address?: string
}

/**
 * One line that says what went wrong and, when we know, what to do about it. Never a stack:
 * operators read this, and the stack is one LOG_LEVEL=debug away.
 */
// @NOTE A driver's error may quote its connection string: never print a password.
export function describeError(err: unknown): string {
  return redactCredentials(describeUnredacted(err))
}

function describeUnredacted(err: unknown): string {
  if (err instanceof ConfigError) {
    return `invalid configuration: ${err.problems.join('; ')}. Fix these variables (README.md, "Configuration") and try again.`
  }
  if (
    err instanceof DataDirLockedError ||
    err instanceof EmbeddedDatabaseError ||
    err instanceof OperationalError
  ) {
    return oneLine(err.message)
  }
  const e = err as SystemError & { errors?: Record<string, string[]> }
  // @NOTE AppError by shape: the platform's main entry (where the class lives) is too heavy to load
  // just for `instanceof` on every CLI run.
  // @NOTE A 400 names its fields ("invalid slug: ..."); anything else says it in its detail.
  if (e?.name === 'AppError' && (e as { status?: number }).status !== 400) return oneLine(e.message)
  if (e?.name === 'AppError') {
    const fields = Object.entries(e.errors ?? {}).map(
      ([field, messages]) => `invalid ${field}: ${messages.join(', ')}`,
    )
    return fields.length ? fields.join('; ') : oneLine(e.message)
  }
  if (e?.code === 'EADDRINUSE')
    return `port ${e.port ?? ''} is already in use. Stop the other process or set PORT to a free port.`
  if (e?.code === 'ECONNREFUSED') {
    return `could not connect to ${e.address ?? ''}:${e.port ?? ''}. Is the database (DATABASE_URL) or Redis (REDIS_URL) running?`
  }
  if (e instanceof AggregateError && e.errors.length) return describeUnredacted(e.errors[0])
  if (e instanceof Error) return `${oneLine(e.message) || e.name} (LOG_LEVEL=debug shows where)`
  return oneLine(String(err))
}

/** The message on one line: multi-line messages (config lists, PGlite dumps) are joined. */
function oneLine(message: string) {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
}
