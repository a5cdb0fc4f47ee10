import { createRequire } from 'node:module'

import { describe, expect, it } from 'vitest'

import { prepareTextFrame } from './prepared-frame'

// @NOTE ws's Receiver (the parser a client uses) is not in @types/ws.
const Receiver = (createRequire(import.meta.url)('ws') as { Receiver: unknown }).Receiver as new (o: {
  isServer: boolean
}) => NodeJS.WritableStream & { on(e: string, f: (...a: any[]) => void): void }

function parse(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false })
    receiver.on('message', (data: Buffer, isBinary: boolean) =>
      isBinary ? reject(new Error('binary')) : resolve(data.toString()),
    )
    receiver.on('error', reject)
    receiver.write(bytes)
  })
}

describe('prepareTextFrame', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 200_000])(
    'builds a text frame that ws parses (%i bytes)',
    async (n) => {
      const text = 'x'.repeat(n)
      expect(await parse(prepareTextFrame(text).bytes)).toBe(text)
    },
  )

  it('counts UTF-8 bytes, not UTF-16 units', async () => {
    const text = '{"content":"日本語 😀"}'.repeat(20)
    expect(await parse(prepareTextFrame(text).bytes)).toBe(text)
  })
})
