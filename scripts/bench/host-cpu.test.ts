import { describe, expect, it } from 'vitest'

import { coreBusyPct, coreTimes, hostTimes, stealPct } from './host-cpu'

const stat = (steal: number) =>
  `cpu  403453 1055 130440 404205 3131 0 20205 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`

describe('host steal', () => {
  it('reads the aggregate line, not a core', () => {
    expect(hostTimes(stat(19917), 5)).toEqual({ t: 5, steal: 199.17 })
  })

  it('answers % of one core over the window', () => {
    // 150 ticks stolen over 2 s: 0.75 of a core.
    expect(stealPct(hostTimes(stat(1000), 0)!, hostTimes(stat(1150), 2000)!)).toBe(75)
    expect(stealPct(hostTimes(stat(1000), 0)!, hostTimes(stat(1000), 2000)!)).toBe(0)
  })

  it('has nothing to say without a steal field or a window', () => {
    expect(hostTimes('cpu  1 2 3 4\n', 0)).toBeNull()
    expect(hostTimes('intr 1\n', 0)).toBeNull()
    expect(stealPct(hostTimes(stat(1), 10)!, hostTimes(stat(2), 10)!)).toBeNull()
  })

  it("gives each core's busy share between two readings (the --nodes runs)", () => {
    const a = coreTimes('cpu  9 9 9 9 9 9 9 9\ncpu0 10 0 10 80 0 0 0 0\ncpu1 0 0 0 100 0 0 0 0\n')
    const b = coreTimes('cpu  9 9 9 9 9 9 9 9\ncpu0 40 0 20 140 0 0 0 0\ncpu1 0 0 50 150 0 0 0 0\n')
    expect(a).toEqual([
      { busy: 20, total: 100 },
      { busy: 0, total: 100 },
    ])
    expect(coreBusyPct(a, b)).toEqual([40, 50])
  })
})
