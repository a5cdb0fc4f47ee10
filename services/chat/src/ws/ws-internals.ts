import type { WebSocket } from 'ws'

/**
 * The two private fields of `ws` that delivery relies on, in one place. `ws` is pinned to an exact
 * version in package.json, and ws-internals.test.ts fails if either field moves or changes meaning:
 * - `_socket`, the raw TCP socket, to write a frame prepared once per message (header and payload
 *   in one buffer) to every recipient, with no framing or UTF-8 work per recipient;
 * - `_sender._bufferedBytes`, what `ws` itself still queues: while it holds anything, frames go
 *   through `ws.send` so that their order is kept.
 */
interface WsInternals {
  _socket?: { write(data: Buffer): boolean }
  _sender?: { _bufferedBytes: number }
}

/** The raw socket to write prepared frames to, or undefined while `ws` holds queued frames of its own. */
export function rawSocketIfIdle(ws: WebSocket): { write(data: Buffer): boolean } | undefined {
  const internals = ws as unknown as WsInternals
  return internals._sender?._bufferedBytes ? undefined : internals._socket
}
