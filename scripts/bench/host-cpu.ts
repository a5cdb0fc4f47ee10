/**
 * CPU time the hypervisor took from this machine while a window ran ("steal" in /proc/stat). A
 * neighbour on the host shows up here and in no process's CPU: a sitting whose runs lost a
 * different share of the cores to it compares servers that had different machines.
 */
import { readFileSync } from 'node:fs'

import { windowReadings } from './pg-cpu'

/** /proc/stat counts in USER_HZ, 100 per second on Linux whatever the kernel's HZ. */
const USER_HZ = 100

export interface HostTimes {
  /** performance.now() when read, ms. */
  t: number
  /** Steal over all cores since boot, seconds. */
  steal: number
}

/** The aggregate `cpu` line's steal (its 8th field); null when /proc/stat has none. */
export function hostTimes(stat: string, t: number): HostTimes | null {
  const m = /^cpu\s+(.*)$/m.exec(stat)
  const steal = m ? Number(m[1].trim().split(/\s+/)[7]) : NaN
  return Number.isFinite(steal) ? { t, steal: steal / USER_HZ } : null
}

/** Steal between two readings, in % of one core (100 = a whole core), like every other CPU %. */
export function stealPct(a: HostTimes, b: HostTimes): number | null {
  const secs = (b.t - a.t) / 1000
  return secs > 0 ? Math.round(((b.steal - a.steal) / secs) * 1000) / 10 : null
}

function readHost(): HostTimes | null {
  try {
    return hostTimes(readFileSync('/proc/stat', 'utf8'), performance.now())
  } catch {
    return null
  }
}

/** The host's steal over the load generator's window (see pg-cpu's windowReadings). */
export const stealWindow = (startMs: number, endMs: number) =>
  windowReadings(
    startMs,
    endMs,
    async () => readHost(),
    (a, b) => (a && b ? stealPct(a, b) : null),
  )
