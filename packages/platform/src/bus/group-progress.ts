import type { Redis } from 'ioredis'
import type { Logger } from 'pino'

interface Waiter {
  groups: Set<string>
  entryId: string
  resolve(): void
}

interface Progress {
  lastDelivered: string
  /** The oldest entry delivered to the group and not yet acknowledged, if any. */
  oldestPending: string | null
}

/**
 * Which consumer groups of the events stream have handled an entry, for writers that wait for
 * their events (ADR 0012). Each group announces itself and its event types in a hash, refreshed
 * while its consumers run; a writer waits only for the live groups that take its event's type.
 * One poll loop per process serves every waiting writer: one XINFO GROUPS, plus one XPENDING per
 * group with entries in flight, every few milliseconds while anyone waits, and at once when a
 * consumer of this node acknowledges an entry.
 */
export class GroupProgress {
  private readonly registry: string
  private readonly waiters = new Set<Waiter>()
  private groups?: { at: number; byGroup: Map<string, { types: string[]; at: number }> }
  private polling = false
  private stopped = false
  private wake?: () => void
  private failing = false

  constructor(
    private readonly o: {
      redis: Redis
      stream: string
      log: Logger
      /** A group that has not announced itself for this long is not waited for (its nodes are gone). */
      liveMs: number
      pollMs?: number
    },
  ) {
    this.registry = `${o.stream}:groups`
  }

  /** Records that `group` is alive and takes `types`. */
  async announce(group: string, types: string[]) {
    await this.o.redis.hset(this.registry, group, JSON.stringify({ types, at: Date.now() }))
  }

  /** The live groups that take events of `type` (read at most once a second). */
  async groupsOf(type: string): Promise<string[]> {
    const now = Date.now()
    if (!this.groups || now - this.groups.at > 1_000) {
      const raw = await this.o.redis.hgetall(this.registry)
      const byGroup = new Map<string, { types: string[]; at: number }>()
      for (const [group, value] of Object.entries(raw)) {
        try {
          byGroup.set(group, JSON.parse(value) as { types: string[]; at: number })
        } catch {
          /* a malformed entry is not a live group */
        }
      }
      this.groups = { at: now, byGroup }
    }
    const live: string[] = []
    for (const [group, g] of this.groups.byGroup)
      if (now - g.at <= this.o.liveMs && g.types.includes(type)) live.push(group)
    return live
  }

  /** Resolves once every group in `groups` has acknowledged `entryId` (and everything before it). */
  wait(groups: string[], entryId: string): { promise: Promise<void>; cancel(): void; groups: Set<string> } {
    let waiter!: Waiter
    const promise = new Promise<void>((resolve) => {
      waiter = { groups: new Set(groups), entryId, resolve }
    })
    this.waiters.add(waiter)
    this.poll()
    // @NOTE `groups` shrinks as groups catch up: what is left is what the writer still waits for.
    return { promise, cancel: () => this.waiters.delete(waiter), groups: waiter.groups }
  }

  /** A consumer of this node acknowledged an entry: look again now. */
  poke() {
    this.wake?.()
  }

  stop() {
    this.stopped = true
    this.wake?.()
  }

  private poll() {
    if (this.polling || this.stopped) return
    this.polling = true
    void this.loop().finally(() => {
      this.polling = false
      if (this.waiters.size && !this.stopped) this.poll()
    })
  }

  private async loop() {
    while (this.waiters.size && !this.stopped) {
      try {
        const wanted = new Set<string>()
        for (const w of this.waiters) for (const g of w.groups) wanted.add(g)
        const progress = await this.progressOf(wanted)
        for (const w of [...this.waiters]) {
          for (const g of [...w.groups]) if (handled(progress.get(g), w.entryId)) w.groups.delete(g)
          if (w.groups.size === 0) {
            this.waiters.delete(w)
            w.resolve()
          }
        }
        if (this.failing) this.o.log.info('consumer group progress readable again')
        this.failing = false
      } catch (err) {
        if (!this.failing)
          this.o.log.warn(
            { err: { message: (err as Error).message } },
            'consumer group progress unreadable; writers wait until their bound',
          )
        this.failing = true
      }
      if (!this.waiters.size) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.failing ? 100 : (this.o.pollMs ?? 5))
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = undefined
    }
  }

  private async progressOf(groups: Set<string>): Promise<Map<string, Progress | null>> {
    const result = new Map<string, Progress | null>()
    const infos = (await this.o.redis.xinfo('GROUPS', this.o.stream)) as unknown[][]
    const withPending: string[] = []
    for (const info of infos) {
      const name = String(field(info, 'name'))
      if (!groups.has(name)) continue
      result.set(name, { lastDelivered: String(field(info, 'last-delivered-id')), oldestPending: null })
      if (Number(field(info, 'pending') ?? 0) > 0) withPending.push(name)
    }
    if (withPending.length) {
      const pipeline = this.o.redis.pipeline()
      for (const g of withPending) pipeline.xpending(this.o.stream, g, '-', '+', 1)
      const answers = (await pipeline.exec()) ?? []
      withPending.forEach((g, i) => {
        const [err, rows] = answers[i] ?? [null, []]
        if (err) throw err
        const first = (rows as Array<[string]>)[0]
        result.get(g)!.oldestPending = first ? first[0] : null
      })
    }
    // @NOTE A group that no longer exists (Redis lost its data) has nothing left to handle.
    for (const g of groups) if (!result.has(g)) result.set(g, null)
    return result
  }
}

/** Whether a group has acknowledged `entryId`: delivered that far, and nothing up to it still pending. */
function handled(progress: Progress | null | undefined, entryId: string): boolean {
  if (progress === undefined) return false
  if (progress === null) return true
  return (
    compareEntryIds(progress.lastDelivered, entryId) >= 0 &&
    (progress.oldestPending === null || compareEntryIds(progress.oldestPending, entryId) > 0)
  )
}

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt)
  const [bm, bs] = b.split('-').map(BigInt)
  if (am !== bm) return am < bm ? -1 : 1
  if (as !== bs) return (as ?? 0n) < (bs ?? 0n) ? -1 : 1
  return 0
}

function field(info: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < info.length; i += 2) if (info[i] === name) return info[i + 1]
  return undefined
}
