import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'

import { CloseCodes } from '@parley/contracts'
import { bearerToken, isUuid, type Principal } from '@parley/platform'
import { type WebSocket, WebSocketServer } from 'ws'

import type { ChatContext } from '../context'
import { requireMember } from '../participants/membership'
import { ChatConnection } from './connection'
import { ExpiryWheel } from './expiry'

const CONNECTION = Symbol('chat connection')
type SocketWithConnection = WebSocket & { [CONNECTION]: { conn: ChatConnection; server: ChatSocketServer } }

function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
  ;(this as SocketWithConnection)[CONNECTION].conn.onFrame(data, isBinary)
}
function onPong(this: WebSocket) {
  ;(this as SocketWithConnection)[CONNECTION].conn.alive = true
}
function onError(this: WebSocket) {
  this.terminate()
}
function onClose(this: WebSocket) {
  const { conn, server } = (this as SocketWithConnection)[CONNECTION]
  server.closed(conn)
}

const PATH = /^\/ws\/chat\/(?:([0-9a-fA-F-]{36})\/?)?$/

function reject(socket: Duplex, status: number, text: string) {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}

/**
 * The access token of a handshake: `?token=`, `Sec-WebSocket-Protocol: bearer, <jwt>` (browsers
 * cannot set headers) or `Authorization: Bearer`. Two different credentials are ambiguous (which
 * user is this?) and refused rather than resolved to one of them (issue 14 point 10); the same
 * token given twice is not ambiguous. Cookies are never a credential here: a browser sends them
 * on any cross-site handshake, which is what cross-site WebSocket hijacking rides on.
 */
function tokenOf(req: IncomingMessage, url: URL): { token?: string; ambiguous: boolean } {
  const given: string[] = []
  if (url.searchParams.has('token')) given.push(...url.searchParams.getAll('token'))
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim())
  if (protocols[0] === 'bearer') given.push(protocols[1] ?? '')
  const authorization = req.headers.authorization
  if (authorization !== undefined) given.push(bearerToken(authorization) ?? authorization)
  const distinct = new Set(given)
  if (distinct.size > 1) return { ambiguous: true }
  return { token: given[0] || undefined, ambiguous: false }
}

/**
 * The chat WebSocket endpoint (SPEC section 6). Authentication, Origin, path and (for the
 * conversation-scoped form) membership are checked before the upgrade, so a bad handshake
 * gets a plain HTTP status and never a socket.
 */
export class ChatSocketServer {
  private readonly wss: WebSocketServer
  private readonly connections = new Set<ChatConnection>()
  private readonly heartbeat: NodeJS.Timeout
  private readonly stopRevocations: () => void
  /** Closes each socket with 4001 when its access token expires; clients reconnect with a fresh one. */
  private readonly expiry = new ExpiryWheel<ChatConnection>((conn) =>
    conn.cutOff(CloseCodes.tokenExpired, 'access token expired'),
  )

  private readonly stopRestored: () => void

  constructor(private readonly ctx: ChatContext) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: ctx.options.maxPayloadBytes,
      handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
    })
    this.heartbeat = setInterval(() => this.beat(), ctx.options.heartbeatMs)
    this.heartbeat.unref()
    // @NOTE Revocations are rare (sign-out, password change): a pass over the sockets costs less
    // than an index of sockets by session kept for every socket.
    this.stopRevocations = ctx.revocations.onRevoked((sid) => {
      for (const conn of this.connections)
        if (conn.principal.sessionId === sid) conn.cutOff(CloseCodes.sessionRevoked, 'session revoked')
    })
    // @NOTE Messages published while the fan-out (Redis) was away reached no socket. Asking every
    // client to reconnect (1012) makes it catch up by seq and sync, which is the one recovery path
    // clients already have.
    this.stopRestored = ctx.fanout.onRestored(() => {
      for (const conn of this.connections)
        conn.cutOff(1012, 'realtime delivery was interrupted: reconnect to catch up')
    })
  }

  attach(server: Server) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://local')
      if (!url.pathname.startsWith('/ws/chat/')) return
      socket.on('error', () => socket.destroy())
      void this.upgrade(req, socket, head, url).catch((err) => {
        this.ctx.log.error({ err }, 'chat upgrade failed')
        reject(socket, 500, 'Internal Server Error')
      })
    })
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    const match = PATH.exec(url.pathname)
    if (!match) return reject(socket, 404, 'Not Found')
    const origin = req.headers.origin
    if (origin && !this.ctx.config.http.allowedOrigins.includes(origin))
      return reject(socket, 403, 'Forbidden')
    const { token, ambiguous } = tokenOf(req, url)
    if (ambiguous || !token) return reject(socket, 401, 'Unauthorized')
    let principal: Principal
    try {
      principal = await this.ctx.verifier.verify(token)
    } catch {
      return reject(socket, 401, 'Unauthorized')
    }
    let scoped: string | undefined
    const segment = match[1]
    if (segment && segment !== principal.tenantId) {
      // Not the caller's tenant: the 004 form, a conversation the caller must belong to.
      if (!isUuid(segment)) return reject(socket, 404, 'Not Found')
      try {
        await requireMember(
          this.ctx.db,
          { userId: principal.userId, tenantId: principal.tenantId },
          segment,
          this.ctx.bus,
        )
      } catch {
        return reject(socket, 404, 'Not Found')
      }
      scoped = segment
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal, scoped))
  }

  private accept(ws: WebSocket, principal: Principal, scoped: string | undefined) {
    const ctx = this.ctx
    const conn = new ChatConnection(ctx, ws, principal, scoped)
    this.connections.add(conn)
    this.expiry.add(conn, principal.expiresAt)
    ctx.metrics.connections.inc()
    // @NOTE Shared listeners that find the connection on the socket, not four closures per socket:
    // an idle socket's memory is the point of scenario (c).
    ;(ws as SocketWithConnection)[CONNECTION] = { conn, server: this }
    ws.on('message', onMessage)
    ws.on('pong', onPong)
    ws.on('error', onError)
    ws.on('close', onClose)
    void ctx.hub
      .add(conn)
      .then(async () => {
        await ctx.presence.connected(principal.userId)
        conn.sendFrame('connection_established', {
          user_id: principal.userId,
          tenant_id: principal.tenantId,
          timestamp: new Date().toISOString(),
          ...(scoped ? { conversation_id: scoped } : {}),
        })
        conn.ready()
        if (scoped) await conn.join(scoped, undefined).catch(() => undefined)
      })
      .catch((err) => {
        ctx.log.error({ err }, 'chat connection setup failed')
        conn.cutOff(1011, 'setup failed')
      })
  }

  /** The socket of `conn` closed. */
  closed(conn: ChatConnection) {
    const ctx = this.ctx
    conn.markClosed()
    this.connections.delete(conn)
    this.expiry.remove(conn, conn.principal.expiresAt)
    ctx.metrics.connections.dec()
    ctx.hub.remove(conn)
    void ctx.presence.disconnected(conn.userId).catch((err) => ctx.log.warn({ err }, 'presence not updated'))
  }

  /** Terminates sockets that did not answer the previous ping. */
  private beat() {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.terminate()
        continue
      }
      conn.alive = false
      conn.ping()
    }
  }

  async close() {
    clearInterval(this.heartbeat)
    this.expiry.close()
    this.stopRevocations()
    this.stopRestored()
    for (const conn of this.connections) conn.cutOff(1012, 'service restart: reconnect to another node')
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
