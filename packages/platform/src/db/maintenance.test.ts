import { describe, expect, it } from 'vitest'

import { plan } from './maintenance'

const table = (name: string, reltuples: number, dead = 0, modified = 0, pages = 10, relpages = 10) => ({
  name,
  reltuples,
  relpages,
  pages,
  n_dead_tup: dead,
  n_mod_since_analyze: modified,
})

describe('maintenance plan (autovacuum rules)', () => {
  it('analyzes a table that was never analyzed, even when nothing changed since start', () => {
    expect(plan([table('chat.messages', -1)])).toEqual({ analyzed: ['chat.messages'], vacuumed: [] })
  })

  it('analyzes after 50 + 10 % of the rows changed, not before', () => {
    expect(plan([table('t', 1000, 0, 150)]).analyzed).toEqual([])
    expect(plan([table('t', 1000, 0, 151)]).analyzed).toEqual(['t'])
  })

  it('vacuums after 50 + 20 % of the rows are dead, not before', () => {
    expect(plan([table('t', 1000, 250)]).vacuumed).toEqual([])
    expect(plan([table('t', 1000, 251)]).vacuumed).toEqual(['t'])
  })

  it('analyzes a table that grew since its statistics, with no change counted (PGlite forgets them on restart)', () => {
    expect(plan([table('t', 0, 0, 0, 6, 0)]).analyzed).toEqual([])
    expect(plan([table('t', 0, 0, 0, 267, 0)]).analyzed).toEqual(['t'])
    expect(plan([table('t', 5000, 0, 0, 128, 100)]).analyzed).toEqual(['t'])
    expect(plan([table('t', 5000, 0, 0, 110, 100)]).analyzed).toEqual([])
  })

  it('leaves quiet tables alone', () => {
    expect(plan([table('a', 10), table('b', 0)])).toEqual({ analyzed: [], vacuumed: [] })
  })
})
