import type { Role } from '@parley/contracts'

/**
 * Everything the realtime hub publishes on the fan-out, declared once for both transports (the
 * in-process fan-out and Redis carry the same strings). Topics: `conv:<id>` carries `message`
 * and `frame`; `user:<id>` carries `frame`, `member_added` and `member_removed`.
 */
export type HubMessage =
  /** A new message: its frame serialized once, with a header so receivers order and count it without parsing the frame. */
  | { kind: 'message'; seq: number; senderId: string; publishedAt: number; frame: string }
  /** A serialized server frame for every local socket of the topic. */
  | { kind: 'frame'; frame: string }
  /** Membership changes, so every node's membership cache is right before its next frame. */
  | { kind: 'member_added'; conversationId: string; role: Role }
  | { kind: 'member_removed'; conversationId: string }

// @NOTE The encoding is the one nodes already speak (a rolling deploy mixes versions): a message is
// `m <seq> <sender> <published ms>\n<frame>`, a frame `f\n<frame>`, a membership change JSON. The
// frame is never wrapped in JSON: a fan-out flush sends thousands of them (receipts to authors).
const MESSAGE = 'm '
const FRAME = 'f\n'

export function encodeHubMessage(m: HubMessage): string {
  switch (m.kind) {
    case 'message':
      return `${MESSAGE}${m.seq} ${m.senderId} ${m.publishedAt}\n${m.frame}`
    case 'frame':
      return FRAME + m.frame
    case 'member_added':
      return JSON.stringify({ op: 'add', conversation_id: m.conversationId, role: m.role })
    case 'member_removed':
      return JSON.stringify({ op: 'remove', conversation_id: m.conversationId })
  }
}

/** The message `raw` encodes; undefined for anything else (a foreign or garbled publish is ignored). */
export function decodeHubMessage(raw: string): HubMessage | undefined {
  if (raw.startsWith(FRAME)) return { kind: 'frame', frame: raw.slice(FRAME.length) }
  if (raw.startsWith(MESSAGE)) {
    const newline = raw.indexOf('\n')
    if (newline < 0) return undefined
    const [seq, senderId, publishedAt] = raw.slice(MESSAGE.length, newline).split(' ')
    return { kind: 'message', seq: Number(seq), senderId, publishedAt: Number(publishedAt), frame: raw.slice(newline + 1) }
  }
  let control: { op?: unknown; conversation_id?: unknown; role?: unknown }
  try {
    control = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof control?.conversation_id !== 'string') return undefined
  if (control.op === 'add') return { kind: 'member_added', conversationId: control.conversation_id, role: control.role as Role }
  if (control.op === 'remove') return { kind: 'member_removed', conversationId: control.conversation_id }
  return undefined
}
