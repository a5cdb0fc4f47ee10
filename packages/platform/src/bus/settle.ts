import { AsyncLocalStorage } from 'node:async_hooks'

import type { DomainEvent } from './events'

/** An event that committed in a producer's outbox, with that outbox's schema. */
export interface CommittedEvent {
  schema: string
  event: DomainEvent
}

/** How long a write waits, at most, for its events to reach their consumers (ADR 0012). */
export const SETTLE_TIMEOUT_MS = 1_000

/** The events committed by the work that runs inside `collectCommitted`, in this async context. */
const committed = new AsyncLocalStorage<CommittedEvent[]>()

/**
 * Remembers events that just committed for the `settle` around the current work, if any. Called
 * from `tx.afterCommit`, so a rolled-back (or retried) transaction's events are never waited for.
 */
export function recordCommitted(schema: string, events: DomainEvent[]): void {
  const list = committed.getStore()
  if (list) for (const event of events) list.push({ schema, event })
}

/**
 * Runs `fn` outside any `settle`: the relay a commit kicks must not inherit the writer's context,
 * or the events that consumers publish from then on would be recorded for a write long answered.
 */
export function outsideSettle(fn: () => void): void {
  committed.exit(fn)
}

/** Runs `work` and answers what it answered, with every event it committed meanwhile. */
export async function collectCommitted<T>(
  work: () => Promise<T>,
): Promise<{ result: T; events: CommittedEvent[] }> {
  const events: CommittedEvent[] = []
  const result = await committed.run(events, work)
  return { result, events }
}

/** What a bus reports about read-your-writes waits and projection lag (Prometheus, see metrics.ts). */
export interface BusObserver {
  /** `events` were handled by `consumer` and committed: seconds from each `occurredAt` to now. */
  handled(consumer: string, events: DomainEvent[]): void
  /** A write waited `seconds` for its events; `inTime` is false when it gave up at the bound. */
  settled(seconds: number, inTime: boolean): void
}

export function observeHandled(observer: BusObserver | undefined, consumer: string, events: DomainEvent[]) {
  if (observer && events.length) observer.handled(consumer, events)
}

/**
 * Recently relayed event ids (with a value, e.g. the stream entry id) and whoever waits for
 * one of them. Bounded: the oldest ids are forgotten first.
 */
export class RelayedEvents<V = true> {
  private readonly recent = new Map<string, V>()
  private readonly waiters = new Map<string, Array<(value: V) => void>>()

  constructor(private readonly cap = 20_000) {}

  mark(id: string, value: V) {
    this.recent.set(id, value)
    if (this.recent.size > this.cap) this.recent.delete(this.recent.keys().next().value!)
    const waiting = this.waiters.get(id)
    if (!waiting) return
    this.waiters.delete(id)
    for (const wake of waiting) wake(value)
  }

  /** The value once `id` is relayed (at once when it already was); `cancel` stops waiting. */
  wait(id: string): { promise: Promise<V>; cancel(): void } {
    const known = this.recent.get(id)
    if (known !== undefined) return { promise: Promise.resolve(known), cancel: () => undefined }
    let wake!: (value: V) => void
    const promise = new Promise<V>((resolve) => (wake = resolve))
    const list = this.waiters.get(id) ?? []
    list.push(wake)
    this.waiters.set(id, list)
    return {
      promise,
      cancel: () => {
        const rest = (this.waiters.get(id) ?? []).filter((w) => w !== wake)
        if (rest.length) this.waiters.set(id, rest)
        else this.waiters.delete(id)
      },
    }
  }
}

/**
 * Resolves true when `work` resolves before `ms`; false past it or when it fails (a wait that
 * cannot finish is no reason to fail the write it follows). Then `onLate` runs, e.g. to cancel waits.
 */
export async function within(work: Promise<unknown>, ms: number, onLate?: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))
  const inTime = await Promise.race([
    work.then(
      () => true,
      () => false,
    ),
    late,
  ])
  clearTimeout(timer)
  if (!inTime) onLate?.()
  return inTime
}
