import WebSocket from 'ws'

export type Frame = { type: string; [key: string]: any }

/** A test WebSocket client that records every frame and waits for the ones a test expects. */
export class Client {
  readonly frames: Frame[] = []
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = []
  closeCode?: number

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame
      this.frames.push(f)
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(f)) return true
        w.resolve(f)
        return false
      })
    })
    ws.on('close', (code) => (this.closeCode = code))
  }

  static async connect(wsUrl: string, token: string): Promise<Client> {
    const ws = new WebSocket(`${wsUrl}/ws/chat/?token=${token}`, { perMessageDeflate: false })
    const client = new Client(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)))
      client.next((f) => f.type === 'connection_established').then(() => resolve(), reject)
    })
    return client
  }

  send(frame: Frame) {
    this.ws.send(JSON.stringify(frame))
  }

  /** The first frame (already received or future) that matches. */
  next(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs)
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer)
          resolve(f)
        },
      })
    })
  }

  /** Seqs of `new_message` frames of one conversation, in arrival order. */
  seqs(conversationId: string): number[] {
    return this.frames
      .filter((f) => f.type === 'new_message' && f.message.conversation_id === conversationId)
      .map((f) => f.message.seq)
  }

  close() {
    this.ws.terminate()
  }
}
