/**
 * WebSocket protocol of SPEC §6, as declared once in @parley/contracts (the server validates and
 * sends the same types). Type-only, so the bundle carries none of the server's schemas.
 */
import type { ClientFrameOf } from '@parley/contracts'

export type {
  ClientFrame,
  ClientFrameOf,
  ClientFrameType,
  ErrorCode,
  ReactionEventWire as ReactionFrame,
  ServerFrame,
  ServerFrameMap,
  ServerFrameType,
} from '@parley/contracts'

/** The message types a client may send (`system` is the server's). */
export type SendableType = NonNullable<ClientFrameOf<'send_message'>['message_type']>
