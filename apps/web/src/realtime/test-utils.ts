import type { TimerApi } from '../lib/session'
import type { SocketLike } from './client'

/** Deterministic timers: advance() runs whatever is due, in order. */
export class FakeTimers implements TimerApi {
  private t = 1_700_000_000_000
  private seq = 0
  private tasks = new Map<number, { at: number; fn: () => void }>()
  now = (): number => this.t
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq
    this.tasks.set(id, { at: this.t + ms, fn })
    return id
  }
  clearTimeout = (h: unknown): void => {
    this.tasks.delete(h as number)
  }
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      const due = [...this.tasks.entries()]
        .filter(([, x]) => x.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.tasks.delete(due[0])
      this.t = due[1].at
      due[1].fn()
    }
    this.t = end
  }
  pending(): number[] {
    return [...this.tasks.values()].map((x) => x.at - this.t)
  }
}

export class FakeSocket implements SocketLike {
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closed: number | null = null
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code = 1000): void {
    this.closed = code
    this.readyState = 3
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  serverClose(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  ofType(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type)
  }
}

/** Flush microtasks (the client awaits the token before opening a socket). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

/** An unsigned JWT-shaped token with the given claims (the client only decodes it). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  return `${enc({ alg: 'EdDSA', typ: 'JWT' })}.${enc(claims)}.sig`
}
