/**
 * The machine's own CPU accounting, from /proc/stat: each core's busy share (`--nodes`) and the time
 * the hypervisor took from the machine while a window ran ("steal"). A neighbour on the host shows
 * up in steal and in no process's CPU: a sitting whose runs lost a different share of the cores to
 * it compares servers that had different machines.
 */
import { readFileSync } from 'node:fs'

import { pctOver, windowReadings } from './window'

/** /proc/stat counts in USER_HZ, 100 per second on Linux whatever the kernel's HZ. */
const USER_HZ = 100

/** /proc/stat's text, or '' where there is none. */
export function readProcStat(): string {
  try {
    return readFileSync('/proc/stat', 'utf8')
  } catch {
    return ''
  }
}

/** The fields of a `cpu` line: user nice system idle iowait irq softirq steal … (USER_HZ ticks). */
const fields = (rest: string) => rest.trim().split(/\s+/).map(Number)

export interface CoreTimes {
  busy: number
  total: number
}

/** Per core (`cpuN` lines), busy and total ticks since boot. */
export function coreTimes(stat: string): CoreTimes[] {
  const out: CoreTimes[] = []
  for (const m of stat.matchAll(/^cpu(\d+)\s+(.*)$/gm)) {
    const v = fields(m[2])
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
    out[Number(m[1])] = { busy: total - v[3] - v[4], total }
  }
  return out
}

/** Each core's busy % between two readings. */
export function coreBusyPct(a: CoreTimes[], b: CoreTimes[]): number[] {
  return b.map((t, i) => {
    const dt = t.total - a[i].total
    return dt > 0 ? Math.round((1000 * (t.busy - a[i].busy)) / dt) / 10 : 0
  })
}

export interface HostTimes {
  /** performance.now() when read, ms. */
  t: number
  /** Steal over all cores since boot, seconds. */
  steal: number
}

/** The aggregate `cpu` line's steal (its 8th field); null when /proc/stat has none. */
export function hostTimes(stat: string, t: number): HostTimes | null {
  const m = /^cpu\s+(.*)$/m.exec(stat)
  const steal = m ? fields(m[1])[7] : NaN
  return Number.isFinite(steal) ? { t, steal: steal / USER_HZ } : null
}

/** Steal between two readings, in % of one core (100 = a whole core), like every other CPU %. */
export const stealPct = (a: HostTimes, b: HostTimes): number | null =>
  b.t > a.t ? pctOver(b.steal - a.steal, a.t, b.t) : null

/** The host's steal over the load generator's window (see window.ts). */
export const stealWindow = (startMs: number, endMs: number) =>
  windowReadings(
    startMs,
    endMs,
    async () => hostTimes(readProcStat(), performance.now()),
    (a, b) => (a && b ? stealPct(a, b) : null),
  )
