import { describe, expect, it } from 'vitest'

import { Batcher } from './batcher'

describe('Batcher', () => {
  it('flushes what arrives in one turn together, and what arrives during a flush in the next one', async () => {
    const flushes: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const batcher = new Batcher<number, number>(async (items) => {
      flushes.push(items)
      if (flushes.length === 1) await gate
      return items.map((i) => i * 10)
    })
    const first = [1, 2, 3].map((i) => batcher.add(i))
    await new Promise((r) => setImmediate(r))
    const second = [4, 5].map((i) => batcher.add(i))
    await new Promise((r) => setTimeout(r, 10))
    expect(flushes).toEqual([[1, 2, 3]]) // one at a time
    release()
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50])
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5],
    ])
  })

  it('splits at the maximum size and rejects every item of a failed flush, then carries on', async () => {
    const sizes: number[] = []
    const batcher = new Batcher<number, number>(async (items) => {
      sizes.push(items.length)
      if (items.includes(-1)) throw new Error('bad batch')
      return items
    }, 2)
    const results = await Promise.allSettled([1, -1, 3, 4, 5].map((i) => batcher.add(i)))
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    expect(sizes).toEqual([2, 2, 1])
    await batcher.drain()
  })
})
