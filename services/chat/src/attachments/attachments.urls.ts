import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Download URLs. `<img src>` cannot send a bearer header, so URLs handed to members are signed:
 * an HMAC of the attachment id and an expiry, with a key kept in the database (same on every node).
 */
export class AttachmentUrls {
  constructor(
    private readonly key: string,
    private readonly ttlSeconds: number,
  ) {}

  signed(id: string, now = Date.now()): string {
    const exp = Math.floor(now / 1000) + this.ttlSeconds
    return `/api/chat/attachments/${id}/?exp=${exp}&sig=${this.sign(id, exp)}`
  }

  verify(id: string, exp: number, sig: string): boolean {
    if (exp * 1000 < Date.now()) return false
    const expected = Buffer.from(this.sign(id, exp))
    const given = Buffer.from(sig)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }

  private sign(id: string, exp: number) {
    return createHmac('sha256', this.key).update(`${id}.${exp}`).digest('base64url')
  }
}
