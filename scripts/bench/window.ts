/**
 * Readings at both ends of the load generator's measured window (it starts `warmup` s after the
 * generator logs "joined"), shared by every per-window figure: PostgreSQL's and the database
 * thread's CPU (pg-cpu.ts), the host's steal (host-cpu.ts), Parley's send batches (writer-split.ts).
 */

/**
 * Takes `snap()` at `startMs` and `endMs` after `begin()` is called; `result()` is `between` the
 * two readings, or null when either is missing.
 */
export function windowReadings<S, R>(
  startMs: number,
  endMs: number,
  snap: () => Promise<S>,
  between: (a: S, b: S) => R | null,
) {
  let a: Promise<S> | undefined
  let b: Promise<S> | undefined
  const timers: NodeJS.Timeout[] = []
  const swallow = (p: Promise<S>) => (p.catch(() => undefined), p)
  return {
    begin() {
      if (timers.length) return
      timers.push(setTimeout(() => (a = swallow(snap())), startMs))
      timers.push(setTimeout(() => (b = swallow(snap())), endMs))
    },
    async result(): Promise<R | null> {
      timers.forEach(clearTimeout)
      if (!a || !b) return null
      const [x, y] = await Promise.all([a, b]).catch(() => [undefined, undefined])
      return x && y ? between(x, y) : null
    },
  }
}

/** CPU % (100 = one core, one decimal) of `usedSeconds` over the window from `t0` to `t1` (ms). */
export const pctOver = (usedSeconds: number, t0: number, t1: number) =>
  Math.round((1000 * usedSeconds) / ((t1 - t0) / 1000)) / 10
