import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { inOrder } from './in-order'

const settle = () => new Promise((r) => setImmediate(r))

describe(inOrder.name, () => {
  const unhandled: unknown[] = []
  const record = (reason: unknown) => unhandled.push(reason)
  beforeAll(() => void process.on('unhandledRejection', record))
  afterAll(() => void process.off('unhandledRejection', record))

  it('handles a later frame failing while an earlier one is still pending, and reports failures in frame order', async () => {
    let finishFirst!: (err: Error) => void
    const first = new Promise<void>((_, reject) => (finishFirst = reject))
    const reported: string[] = []
    const onError = (err: unknown) => reported.push((err as Error).message)
    let queue = inOrder(Promise.resolve(), first, onError)
    queue = inOrder(queue, Promise.reject(new Error('second')), onError)
    for (let i = 0; i < 3; i++) await settle()
    expect(unhandled).toEqual([])
    expect(reported).toEqual([])
    finishFirst(new Error('first'))
    await queue
    expect(reported).toEqual(['first', 'second'])
  })
})
