import type { Socket } from 'node:net'

import type { WebSocket } from 'ws'

/**
 * A server → client text frame built once: the WebSocket header and the UTF-8 payload in one
 * buffer (RFC 6455: FIN + text opcode, unmasked, 7/16/64-bit length). Fan-out writes the same
 * bytes to every recipient's socket, so there is no per-recipient JSON, UTF-8 or framing work.
 */
export interface PreparedFrame {
  readonly text: string
  readonly bytes: Buffer
}

export function prepareTextFrame(text: string): PreparedFrame {
  const n = Buffer.byteLength(text)
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10
  const bytes = Buffer.allocUnsafe(header + n)
  bytes[0] = 0x81
  if (n < 126) bytes[1] = n
  else if (n < 65_536) {
    bytes[1] = 126
    bytes.writeUInt16BE(n, 2)
  } else {
    bytes[1] = 127
    bytes.writeUInt32BE(Math.floor(n / 2 ** 32), 2)
    bytes.writeUInt32BE(n >>> 0, 6)
  }
  bytes.write(text, header)
  return { text, bytes }
}

/**
 * The two private fields of `ws` that delivery relies on, in one place. `ws` is pinned to an exact
 * version in package.json, and raw-socket.test.ts fails if either field moves or changes meaning:
 * - `_socket`, the raw TCP socket, to write a frame prepared once per message (header and payload
 *   in one buffer) to every recipient, with no framing or UTF-8 work per recipient;
 * - `_sender._bufferedBytes`, what `ws` itself still queues: while it holds anything, frames go
 *   through `ws.send` so that their order is kept.
 */
interface WsInternals {
  _socket?: RawSocket
  _sender?: { _bufferedBytes: number }
}

/** What delivery uses of the raw TCP socket (a `net.Socket`). */
export type RawSocket = Pick<Socket, 'write' | 'writableLength' | 'once' | 'off'>

/** The raw socket to write prepared frames to, or undefined while `ws` holds queued frames of its own. */
export function rawSocketIfIdle(ws: WebSocket): RawSocket | undefined {
  const internals = ws as unknown as WsInternals
  return internals._sender?._bufferedBytes ? undefined : internals._socket
}
