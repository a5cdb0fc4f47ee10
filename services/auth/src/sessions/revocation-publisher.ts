import type { Logger, SessionRevocations } from '@parley/platform'

export type Revocation = { sessionId: string; until: Date }

const FIRST_DELAY_MS = 1_000
const MAX_DELAY_MS = 30_000

/**
 * Puts committed revocations on the platform's deny-list (every node, at once). When that
 * fails (Redis unreachable), the revocation is already in the database; it is retried in the
 * background until it lands or its access tokens have expired anyway.
 */
export class RevocationPublisher {
  private readonly timers = new Set<NodeJS.Timeout>()
  private closed = false

  constructor(
    private readonly revocations: SessionRevocations,
    private readonly log: Logger,
  ) {}

  /** Applies each revocation; those that fail are retried later, and the first failure is rethrown. */
  async apply(revocations: Revocation[]): Promise<void> {
    let failure: unknown
    for (const r of revocations) {
      try {
        await this.revocations.revoke(r.sessionId, r.until)
      } catch (err) {
        failure ??= err
        this.retryLater(r, FIRST_DELAY_MS)
      }
    }
    if (failure) throw failure instanceof Error ? failure : new Error('revocation failed', { cause: failure })
  }

  /** Like {@link apply}, for callers whose change stands anyway (it is committed): never throws. */
  async applyQuietly(revocations: Revocation[]): Promise<void> {
    await this.apply(revocations).catch((err: unknown) =>
      this.log.warn(
        { err: { message: (err as Error)?.message } },
        'session revocation not yet published; retrying',
      ),
    )
  }

  close() {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private retryLater(r: Revocation, delayMs: number) {
    if (this.closed || r.until.getTime() <= Date.now()) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.revocations
        .revoke(r.sessionId, r.until)
        .catch(() => this.retryLater(r, Math.min(MAX_DELAY_MS, delayMs * 2)))
    }, delayMs)
    timer.unref()
    this.timers.add(timer)
  }
}
