import { newId, newPersonId, type ServiceModule, transaction } from '@parley/platform'
import { startTestServer, type TestServer } from '@parley/platform/testing'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { WebSocket } from 'ws'

import { type ChatOptions, createChatService } from '../index'

/**
 * Test harness for the chat service alone: a local EdDSA token issuer stands in for the auth
 * service (the verifier is pointed at its key), and users and contacts come from real bus
 * events published into the chat schema's outbox, exactly as auth and contacts publish them.
 */
export interface ChatTest {
  t: TestServer
  user(fields?: { tenantId?: string; firstName?: string }): Promise<TestUser>
  contacts(a: TestUser, b: TestUser): Promise<string>
  event(type: string, tenantId: string, payload: Record<string, unknown>): Promise<void>
  token(user: TestUser, claims?: { sid?: string; exp?: number }): Promise<string>
  close(): Promise<void>
}

export interface TestUser {
  id: string
  tenantId: string
  personId: string
  username: string
  sessionId: string
  token: string
}

export async function startChat(
  options: Partial<ChatOptions> = {},
  extra: ServiceModule[] = [],
): Promise<ChatTest> {
  const t = await startTestServer([...extra, createChatService(options)])
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' }
  t.platform.verifier.useLocalKeys(async () => ({ keys: [jwk] }))
  const defaultTenant = newId()

  async function token(user: Omit<TestUser, 'token'>, claims: { sid?: string; exp?: number } = {}) {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ tid: user.tenantId, pid: user.personId, sid: claims.sid ?? user.sessionId })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' })
      .setIssuer('parley')
      .setAudience('parley:access')
      .setSubject(user.id)
      .setJti(newId())
      .setIssuedAt(now)
      .setExpirationTime(claims.exp ?? now + 900)
      .sign(privateKey)
  }

  async function event(type: string, tenantId: string, payload: Record<string, unknown>) {
    await transaction(t.platform.db, (tx) => t.platform.bus.publish(tx, 'chat', { type, tenantId, payload }))
    await t.platform.bus.drain()
  }

  return {
    t,
    token,
    event,
    async user(fields = {}) {
      const base = {
        id: newId(),
        tenantId: fields.tenantId ?? defaultTenant,
        personId: newPersonId(),
        username: `user${Math.random().toString(36).slice(2, 8)}`,
        sessionId: newId(),
      }
      await event('user.registered', base.tenantId, {
        user_id: base.id,
        tenant_id: base.tenantId,
        person_id: base.personId,
        email: `${base.username}@example.com`,
        username: base.username,
        first_name: fields.firstName ?? '',
        last_name: '',
        avatar_url: null,
      })
      return { ...base, token: await token(base) }
    },
    async contacts(a, b) {
      const roomId = newId()
      await event('contact.accepted', a.tenantId, {
        room_id: roomId,
        invite_id: newId(),
        users: [a, b].map((u) => ({ user_id: u.id, person_id: u.personId, username: u.username })),
      })
      return roomId
    },
    close: () => t.close(),
  }
}

type Frame = Record<string, any> & { type: string }

/** A WebSocket test client that records every frame and waits for the ones a test expects. */
export class TestSocket {
  readonly frames: Frame[] = []
  private readonly consumed = new Set<number>()
  private waiters: Array<() => void> = []
  closeCode?: number
  readonly closed: Promise<number>

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()))
      this.wake()
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code
        this.wake()
        resolve(code)
      }),
    )
  }

  /** Opens a socket and waits for `connection_established`. */
  static async open(
    wsUrl: string,
    token: string,
    path = '/ws/chat/',
    options: { protocol?: boolean; headers?: Record<string, string> } = {},
  ) {
    const url = options.protocol ? `${wsUrl}${path}` : `${wsUrl}${path}?token=${token}`
    const ws = new WebSocket(url, options.protocol ? ['bearer', token] : [], { headers: options.headers })
    const socket = new TestSocket(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
    await socket.next('connection_established')
    return socket
  }

  /** The HTTP status a handshake is refused with (or 101 when it is accepted). */
  static async handshakeStatus(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
  ): Promise<number> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers })
    return new Promise((resolve) => {
      ws.once('open', () => {
        ws.close()
        resolve(101)
      })
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.once('error', () => resolve(0))
    })
  }

  private wake() {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  send(frame: Record<string, unknown> | string) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Waits for the oldest frame of `type` not yet taken that matches. */
  async next(type: string, match: (f: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        const f = this.frames[i]
        if (!this.consumed.has(i) && f.type === type && match(f)) {
          this.consumed.add(i)
          return f
        }
      }
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode}) while waiting for ${type}`)
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(
          `no ${type} frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`,
        )
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Every frame of `type` received so far. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type)
  }

  /** Sends a frame with a fresh ref and waits for the answer (or error) carrying it. */
  async request(frame: Record<string, unknown>, answer: string): Promise<Frame> {
    const ref = Math.random().toString(36).slice(2)
    this.send({ ...frame, ref })
    const f = await Promise.race([this.next(answer, (x) => x.ref === ref), this.nextError(ref)])
    return f
  }

  private async nextError(ref: string): Promise<Frame> {
    const deadline = Date.now() + 5_000
    for (;;) {
      const f = this.frames.find((x) => x.type === 'error' && x.ref === ref)
      if (f) return f
      if (Date.now() > deadline || this.closeCode !== undefined) return new Promise(() => {})
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close() {
    this.ws.close()
    return this.closed
  }
}
