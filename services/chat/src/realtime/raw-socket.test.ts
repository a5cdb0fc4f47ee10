import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'

import { prepareTextFrame, rawSocketIfIdle } from './prepared-frame'

/**
 * Delivery writes prepared frames past `ws`, through two of its private fields (prepared-frame.ts).
 * A `ws` release that moves or changes them must fail here, not silently in production: so the
 * version is pinned exactly, and the fields' meaning is checked on a real socket pair.
 */
describe('the private fields of ws that delivery uses', () => {
  let server: WebSocketServer | undefined
  const clients: WebSocket[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  })

  async function pair(): Promise<{ serverSide: WebSocket; received: string[]; next: () => Promise<string> }> {
    server = new WebSocketServer({ port: 0, perMessageDeflate: false })
    const accepted = new Promise<WebSocket>((resolve) => server!.once('connection', resolve))
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
    clients.push(client)
    const received: string[] = []
    const waiting: Array<(text: string) => void> = []
    client.on('message', (data) => {
      const text = data.toString()
      received.push(text)
      waiting.shift()?.(text)
    })
    await new Promise((resolve) => client.once('open', resolve))
    return {
      serverSide: await accepted,
      received,
      next: () => new Promise((resolve) => waiting.push(resolve)),
    }
  }

  it('are used with the exact ws version package.json pins', () => {
    const pinned = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
      .dependencies.ws
    const installed = createRequire(import.meta.url)('ws/package.json').version
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/)
    expect(installed).toBe(pinned)
  })

  it('give the raw socket, on which a prepared frame arrives as one text message', async () => {
    const { serverSide, next } = await pair()
    const socket = rawSocketIfIdle(serverSide)
    expect(typeof socket?.write).toBe('function')
    const text = JSON.stringify({ type: 'pong', note: 'é'.repeat(200) })
    const arrived = next()
    socket!.write(prepareTextFrame(text).bytes)
    expect(await arrived).toBe(text)
  })

  it('tell when ws holds queued frames of its own (then frames go through ws.send, in order)', async () => {
    const { serverSide, received } = await pair()
    const sender = (serverSide as unknown as { _sender: { _bufferedBytes: unknown } })._sender
    expect(sender._bufferedBytes).toBe(0)
    // A Blob is read asynchronously; what is sent meanwhile waits in the sender's queue.
    serverSide.send(new Blob(['first']))
    serverSide.send('second')
    expect(sender._bufferedBytes).toBeGreaterThan(0)
    expect(rawSocketIfIdle(serverSide)).toBeUndefined()
    await vi.waitFor(() => expect(received).toEqual(['first', 'second']))
    expect(sender._bufferedBytes).toBe(0)
    expect(rawSocketIfIdle(serverSide)).toBeDefined()
  })
})
