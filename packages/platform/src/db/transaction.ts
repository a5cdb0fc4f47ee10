import type { Transaction } from 'kysely'

import type { AnySchema, Db } from './database'

/** A transaction plus hooks that run only once it has committed. */
export interface Tx {
  readonly db: Transaction<AnySchema>
  /** Runs after a successful commit (never on rollback), e.g. to kick the outbox relay. */
  afterCommit(callback: () => void): void
}

/** Runs `work` in one transaction; after-commit callbacks fire once the commit succeeds. */
export async function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  const callbacks: Array<() => void> = []
  const result = await db
    .transaction()
    .execute((trx) => work({ db: trx, afterCommit: (cb) => callbacks.push(cb) }))
  for (const cb of callbacks) cb()
  return result
}

/** True when a database error is a unique-constraint violation (optionally of one constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string }
  return e?.code === '23505' && (!constraint || e.constraint === constraint)
}
