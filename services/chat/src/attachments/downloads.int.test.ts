import { api } from '@parley/platform/testing'
import { sql } from 'kysely'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, type TestUser } from '../testing/harness'

/** A multipart upload built by hand, so any file name (CR/LF, quotes, RTL override) reaches the server as is (RFC 5987 `filename*`). */
async function upload(
  c: ChatTest,
  user: TestUser,
  bytes: Buffer,
  name: string,
  type = 'application/octet-stream',
) {
  const boundary = `----parley${Math.random().toString(36).slice(2)}`
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encodeURIComponent(name)}\r\n` +
    `Content-Type: ${type}\r\n\r\n`
  const body = Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)])
  const res = await fetch(`${c.t.url}/api/chat/upload/`, {
    method: 'POST',
    body,
    headers: {
      authorization: `Bearer ${user.token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  })
  return { status: res.status, body: (await res.json()) as { id: string; url: string; content_type: string } }
}

function download(c: ChatTest, url: string, user?: TestUser) {
  return fetch(`${c.t.url}${url}`, { headers: user ? { authorization: `Bearer ${user.token}` } : {} })
}

/** The `filename*` of a Content-Disposition header, decoded (RFC 8187). */
function extendedName(header: string | null): string | undefined {
  const match = /filename\*=UTF-8''([^;\s]+)/.exec(header ?? '')
  return match ? decodeURIComponent(match[1]) : undefined
}

describe('attachment downloads', () => {
  let c: ChatTest
  let owner: TestUser
  let member: TestUser
  let outsider: TestUser
  let otherTenant: TestUser
  let group: string
  let png: Buffer

  beforeAll(async () => {
    c = await startChat()
    owner = await c.user()
    member = await c.user()
    outsider = await c.user()
    otherTenant = await c.user({ tenantId: '01900000-0000-7000-8000-000000000001' })
    const created = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'files', participant_ids: [member.id] },
      owner.token,
    )
    group = created.body.id
    png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#f00' } })
      .png()
      .toBuffer()
  })
  afterAll(() => c?.close())

  async function sendFile(bytes: Buffer, name: string, type?: string) {
    const up = await upload(c, owner, bytes, name, type)
    expect(up.status, `${name}: ${JSON.stringify(up.body)}`).toBe(201)
    const sent = await api(c.t.url).post(
      `/api/chat/conversations/${group}/messages/`,
      { content: 'a file', attachment_ids: [up.body.id] },
      owner.token,
    )
    expect(sent.status).toBe(201)
    return sent.body.attachments[0] as {
      id: string
      url: string
      content_type: string
      filename: string | null
    }
  }

  describe('authenticated media (issue 14 point 6)', () => {
    it('needs the bearer token of a current member of the conversation; the URL alone is worth nothing', async () => {
      const up = await upload(c, owner, png, 'red.png')
      // Before it is sent: the uploader only.
      expect((await download(c, up.body.url, owner)).status).toBe(200)
      expect((await download(c, up.body.url, member)).status).toBe(404)
      const sent = await api(c.t.url).post(
        `/api/chat/conversations/${group}/messages/`,
        { content: 'pic', attachment_ids: [up.body.id] },
        owner.token,
      )
      const url = sent.body.attachments[0].url as string
      expect(url).toBe(`/api/chat/attachments/${up.body.id}/`)
      const ok = await download(c, url, member)
      expect(ok.status).toBe(200)
      expect(Buffer.from(await ok.arrayBuffer()).equals(png)).toBe(true)
      // Anonymous, a non-member of the same tenant and a user of another tenant get nothing.
      const anonymous = await download(c, url)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      for (const stranger of [outsider, otherTenant]) {
        const res = await download(c, url, stranger)
        expect(res.status).toBe(404)
        expect(((await res.json()) as { type: string }).type).toMatch(/attachment-not-found$/)
      }
      // A browser revalidates every time (no-cache); the access check comes before the 304.
      expect(ok.headers.get('cache-control')).toBe('private, no-cache')
      const etag = ok.headers.get('etag')!
      const again = await fetch(`${c.t.url}${url}`, {
        headers: { authorization: `Bearer ${member.token}`, 'if-none-match': etag },
      })
      expect(again.status).toBe(304)
      const stranger = await fetch(`${c.t.url}${url}`, {
        headers: { authorization: `Bearer ${outsider.token}`, 'if-none-match': etag },
      })
      expect(stranger.status).toBe(404)
      // What the old signed links carried opens nothing without a member's token.
      expect((await download(c, `${url}?exp=9999999999&sig=${'A'.repeat(43)}`)).status).toBe(401)
    })

    it('stops serving a member the moment they are removed', async () => {
      const temp = await c.user()
      expect(
        (
          await api(c.t.url).post(
            `/api/chat/conversations/${group}/participants/`,
            { user_id: temp.id },
            owner.token,
          )
        ).status,
      ).toBe(201)
      const a = await sendFile(png, 'seen-then-gone.png')
      expect((await download(c, a.url, temp)).status).toBe(200)
      expect(
        (await api(c.t.url).delete(`/api/chat/conversations/${group}/participants/${temp.id}/`, owner.token))
          .status,
      ).toBe(204)
      expect((await download(c, a.url, temp)).status).toBe(404)
      // Those still in the conversation keep it.
      expect((await download(c, a.url, member)).status).toBe(200)
    })
  })

  describe('safe downloads (issue 14 point 5)', () => {
    it('serves only a verified raster image inline, with nosniff and a sandbox CSP', async () => {
      const a = await sendFile(png, 'red.png', 'image/png')
      const res = await download(c, a.url, member)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
      expect(res.headers.get('content-disposition')).toBe(
        `inline; filename="red.png"; filename*=UTF-8''red.png`,
      )
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'")
    })

    it('serves HTML, SVG, scripts and text as attachments, whatever type they were uploaded under', async () => {
      const hostile: Array<[string, string, string]> = [
        ['<html><script>alert(document.cookie)</script></html>', 'page.html', 'text/html'],
        ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'logo.svg', 'image/svg+xml'],
        ['<script>alert(1)</script>', 'cat.png', 'image/png'],
        ['alert(document.domain)', 'app.js', 'application/javascript'],
        ['just words', 'notes.txt', 'text/plain'],
      ]
      for (const [content, name, type] of hostile) {
        const a = await sendFile(Buffer.from(content), name, type)
        const res = await download(c, a.url, member)
        expect(res.status, name).toBe(200)
        expect(res.headers.get('content-disposition'), name).toMatch(/^attachment; /)
        expect(res.headers.get('content-type'), name).not.toMatch(/html|svg|javascript|image/)
        expect(res.headers.get('x-content-type-options'), name).toBe('nosniff')
        expect(res.headers.get('content-security-policy'), name).toBe("sandbox; default-src 'none'")
      }
    })

    it('re-checks the bytes: a stored image type over other bytes is still an attachment', async () => {
      const a = await sendFile(Buffer.from('<html><body onload="alert(1)"></body></html>'), 'x.png')
      // A row from before content sniffing (or written by anything else) that claims to be an image.
      await sql`update chat.attachments set content_type = 'image/png' where id = ${a.id}`.execute(
        c.t.platform.db,
      )
      const res = await download(c, a.url, member)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; /)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    })

    it('names every file with filename* and an ASCII fallback, and never answers 500', async () => {
      const names: Array<[string, string]> = [
        ['\u202Egnp.exe', 'gnp.exe'],
        ['a"b; Set-Cookie: x=1.txt', 'a"b; Set-Cookie: x=1.txt'],
        ['../../etc/passwd', 'passwd'],
        ['..\\..\\boot.ini', 'boot.ini'],
        ['naïve résumé.txt', 'naïve résumé.txt'],
        ['日本語のファイル.txt', '日本語のファイル.txt'],
        ["it's (100%) *done*.txt", "it's (100%) *done*.txt"],
        ['emoji 😀 tab\tbell\u0007.txt', 'emoji 😀 tabbell.txt'],
      ]
      for (const [name, shown] of names) {
        const a = await sendFile(Buffer.from('plain text'), name)
        expect(a.filename, name).toBe(shown)
        const res = await download(c, a.url, member)
        expect(res.status, name).toBe(200)
        const header = res.headers.get('content-disposition')!
        expect(header, name).toMatch(
          /^attachment; filename="[A-Za-z0-9._ -]+"; filename\*=UTF-8''[A-Za-z0-9%._~!$&+^`|-]+$/,
        )
        expect(extendedName(header), name).toBe(shown)
      }
      // The multipart parser drops a part whose name carries CR/LF: a 400, never a 500.
      expect((await upload(c, owner, Buffer.from('x'), 'a\r\nb.txt')).status).toBe(400)
      // Names stored before they were cleaned (any text at all, CR/LF included) are still served safely.
      const raw = await sendFile(Buffer.from('plain text'), 'ok.txt')
      await sql`update chat.attachments set filename = ${'\u202Eevil"\r\n.txt'} where id = ${raw.id}`.execute(
        c.t.platform.db,
      )
      const res = await download(c, raw.url, member)
      expect(res.status).toBe(200)
      expect(extendedName(res.headers.get('content-disposition'))).toBe('evil".txt')
      expect(res.headers.get('content-disposition')).toContain('filename="evil_.txt"')
    })
  })
})
