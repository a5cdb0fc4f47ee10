import { threadId as mainThreadId } from 'node:worker_threads'

import { describe, expect, it } from 'vitest'

import { threadWindow } from './pg-cpu'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('threadWindow', () => {
  it("measures one thread's CPU between the window's two readings", async () => {
    expect(mainThreadId).toBe(0)
    // On Linux the main thread's id is the process id.
    const window = threadWindow(process.pid, process.pid, 0, 400)
    window.begin()
    await sleep(50)
    const busyUntil = performance.now() + 200
    while (performance.now() < busyUntil) Math.sqrt(Math.random())
    await sleep(250)
    const pct = await window.result()
    // ~200 ms of CPU in a ~400 ms window; idle it would read ~0.
    expect(pct).toBeGreaterThan(20)
    expect(pct).toBeLessThanOrEqual(110)
  })

  it('answers null when the thread is gone', async () => {
    const window = threadWindow(process.pid, 2 ** 22 + 1, 0, 10)
    window.begin()
    await sleep(50)
    expect(await window.result()).toBeNull()
  })
})
