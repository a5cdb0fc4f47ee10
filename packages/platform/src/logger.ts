import pino, { type DestinationStream, type Logger } from 'pino'

export type { Logger }

/**
 * Paths that must never reach a log line (SPEC sections 2 and 8). Fastify request logs are
 * written by our own hook with an explicit shape, so these guard ad-hoc objects.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'old_password',
  'new_password',
  '*.new_password',
  '*.old_password',
  'token',
  '*.token',
  'access',
  'refresh',
  '*.access',
  '*.refresh',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'cookie',
  '*.cookie',
  'card_number',
  '*.card_number',
  'cardNumber',
  '*.cardNumber',
  'cvv',
  '*.cvv',
  'passwordHash',
  '*.passwordHash',
  'handoff',
  '*.handoff',
]

export interface LoggerOptions {
  level?: string
  destination?: DestinationStream
  name?: string
}

/** The process logger: JSON lines, redacted, object first then message. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      ...(options.name ? { name: options.name } : {}),
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  )
}

/** Removes a token from a query string before a URL is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access|refresh|code|state|handoff)=)[^&]*/gi, '$1[redacted]')
}
