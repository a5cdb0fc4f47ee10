import { connect } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, TestSocket, type TestUser } from '../testing/harness'

/**
 * A raw HTTP upgrade request, so the test sees the HTTP answer itself (a refused handshake is a
 * plain status line before any upgrade, never a WebSocket close).
 */
async function rawHandshake(wsUrl: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(wsUrl)
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ]
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join('\r\n')}\r\n\r\n`))
    let text = ''
    socket.on('data', (d) => {
      text += d.toString('latin1')
      if (text.includes('\r\n\r\n')) {
        socket.destroy()
        resolve(text.split('\r\n')[0])
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(text.split('\r\n')[0]))
  })
}

/** Issue 14 point 10: a handshake carrying two different credentials is refused with 401 before the upgrade. */
describe('WebSocket handshake credentials', () => {
  let c: ChatTest
  let alice: TestUser
  let bob: TestUser

  beforeAll(async () => {
    c = await startChat()
    alice = await c.user()
    bob = await c.user()
  })
  afterAll(() => c?.close())

  it('accepts one credential in any of its places, and the same token given twice', async () => {
    const ok = 'HTTP/1.1 101 Switching Protocols'
    expect(await rawHandshake(c.t.wsUrl, `/ws/chat/?token=${alice.token}`)).toBe(ok)
    expect(await rawHandshake(c.t.wsUrl, '/ws/chat/', { Authorization: `Bearer ${alice.token}` })).toBe(ok)
    expect(
      await rawHandshake(c.t.wsUrl, '/ws/chat/', { 'Sec-WebSocket-Protocol': `bearer, ${alice.token}` }),
    ).toBe(ok)
    expect(
      await rawHandshake(c.t.wsUrl, `/ws/chat/?token=${alice.token}`, {
        Authorization: `Bearer ${alice.token}`,
      }),
    ).toBe(ok)
  })

  it('refuses two different credentials with 401, whichever places they come in', async () => {
    const refused = 'HTTP/1.1 401 Unauthorized'
    const a = alice.token
    const b = bob.token
    const cases: Array<[string, Record<string, string>]> = [
      [`/ws/chat/?token=${a}`, { Authorization: `Bearer ${b}` }],
      [`/ws/chat/?token=${a}`, { 'Sec-WebSocket-Protocol': `bearer, ${b}` }],
      [`/ws/chat/?token=${a}&token=${b}`, {}],
      ['/ws/chat/', { Authorization: `Bearer ${a}`, 'Sec-WebSocket-Protocol': `bearer, ${b}` }],
      // A valid token beside a garbage one is still two credentials, not "the one that works".
      [`/ws/chat/?token=${a}`, { Authorization: 'Basic dXNlcjpwYXNz' }],
      [`/ws/chat/${alice.tenantId}/?token=${b}`, { Authorization: `Bearer ${a}` }],
    ]
    for (const [path, headers] of cases)
      expect(await rawHandshake(c.t.wsUrl, path, headers), `${path} ${Object.keys(headers).join(',')}`).toBe(
        refused,
      )
    // A cookie is never a credential (a browser sends it on cross-site handshakes too), so it
    // neither authenticates on its own nor makes a token ambiguous.
    expect(await rawHandshake(c.t.wsUrl, '/ws/chat/', { Cookie: `token=${a}; access=${a}` })).toBe(refused)
    expect(await rawHandshake(c.t.wsUrl, `/ws/chat/?token=${a}`, { Cookie: `token=${b}` })).toBe(
      'HTTP/1.1 101 Switching Protocols',
    )
    // Nothing was upgraded: the same user still connects normally afterwards.
    const socket = await TestSocket.open(c.t.wsUrl, alice.token)
    await socket.close()
  })
})
