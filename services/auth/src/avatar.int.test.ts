import { api, signUp, startTestServer, type TestServer } from '@parley/platform/testing'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { authService } from './index'

function upload(
  url: string,
  token: string | undefined,
  bytes: Buffer,
  name = 'avatar.png',
  type = 'image/png',
  field = 'file',
) {
  const form = new FormData()
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), name)
  return fetch(`${url}/api/auth/upload-avatar/`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as UploadAnswer }))
}

interface UploadAnswer {
  id: string
  avatar_url: string | null
  type?: string
  errors: Record<string, string[]>
}

type OutboxRow = { payload: Record<string, unknown> }

const image = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 640, height = 400) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .toFormat(format)
    .toBuffer()

describe('auth avatars', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer([authService])
  })
  afterAll(() => t?.close())

  it('uploads, re-encodes to a 256×256 WebP, serves it publicly and publishes user.updated', async () => {
    const user = await signUp(t.url)
    const res = await upload(t.url, user.access, await image('png'))
    expect(res.status).toBe(200)
    expect(res.body.id).toBe(user.id)
    expect(res.body.avatar_url).toMatch(/^\/media\/avatars\/[\w-]+\.webp$/)

    const file = await fetch(t.url + res.body.avatar_url)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/webp')
    expect(file.headers.get('cache-control')).toContain('immutable')
    const meta = await sharp(Buffer.from(await file.arrayBuffer())).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 })

    expect((await api(t.url).get('/api/auth/me/', user.access)).body.avatar_url).toBe(res.body.avatar_url)
    const events = await t.platform.db
      .withSchema('auth')
      .selectFrom('outbox')
      .selectAll()
      .where('type', '=', 'user.updated')
      .execute()
    const event = (events as OutboxRow[]).find((e) => e.payload.user_id === user.id)!
    expect(event.payload).toMatchObject({
      user_id: user.id,
      tenant_id: user.tenant_id,
      avatar_url: res.body.avatar_url,
    })
  })

  it('accepts JPEG, WebP and GIF, and strips metadata', async () => {
    const user = await signUp(t.url)
    const jpeg = await sharp(await image('jpeg'))
      .withExif({ IFD0: { Copyright: 'secret-location-data' } })
      .jpeg()
      .toBuffer()
    for (const [bytes, type] of [
      [jpeg, 'image/jpeg'],
      [await image('webp'), 'image/webp'],
      [await image('gif', 300, 300), 'image/gif'],
    ] as const) {
      const res = await upload(t.url, user.access, bytes, 'pic', type)
      expect(res.status, type).toBe(200)
      const served = Buffer.from(await (await fetch(t.url + res.body.avatar_url)).arrayBuffer())
      expect(served.includes(Buffer.from('secret-location-data'))).toBe(false)
      expect((await sharp(served).metadata()).exif).toBeUndefined()
    }
  })

  it('replaces the previous file on a new upload and deletes it on removal', async () => {
    const c = api(t.url)
    const user = await signUp(t.url)
    const first = (await upload(t.url, user.access, await image('png'))).body.avatar_url
    const second = (await upload(t.url, user.access, await image('jpeg'), 'b.jpg', 'image/jpeg')).body
      .avatar_url
    expect(second).not.toBe(first)
    expect((await fetch(t.url + first)).status).toBe(404)
    expect((await fetch(t.url + second)).status).toBe(200)

    const removed = await c.delete('/api/auth/remove-avatar/', user.access)
    expect(removed.status).toBe(200)
    expect(removed.body.avatar_url).toBeNull()
    expect((await fetch(t.url + second)).status).toBe(404)
    expect((await c.get('/api/auth/me/', user.access)).body.avatar_url).toBeNull()
    const again = await c.delete('/api/auth/remove-avatar/', user.access)
    expect(again.status).toBe(200)
    await t.platform.bus.drain()
    const events = await t.platform.db
      .withSchema('auth')
      .selectFrom('outbox')
      .selectAll()
      .where('type', '=', 'user.updated')
      .execute()
    const mine = (events as OutboxRow[])
      .filter((e) => e.payload.user_id === user.id)
      .map((e) => e.payload.avatar_url)
    expect(mine).toEqual([first, second, null])
  })

  it('refuses a text file posing as PNG, a broken image and a non-image, with 415 problems', async () => {
    const user = await signUp(t.url)
    const text = await upload(
      t.url,
      user.access,
      Buffer.from('hello, I am definitely a PNG'),
      'x.png',
      'image/png',
    )
    expect(text.status).toBe(415)
    expect(text.body.type).toBe('/problems/unsupported-image')
    const pngHeader = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    const broken = await upload(
      t.url,
      user.access,
      Buffer.concat([pngHeader, Buffer.alloc(200, 7)]),
      'y.png',
      'image/png',
    )
    expect(broken.status).toBe(415)
    const pdf = await upload(
      t.url,
      user.access,
      Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'),
      'z.png',
      'image/png',
    )
    expect(pdf.status).toBe(415)
    expect((await api(t.url).get('/api/auth/me/', user.access)).body.avatar_url).toBeNull()
  })

  it('refuses files over 5 MB with a 413 problem', async () => {
    const user = await signUp(t.url)
    const big = Buffer.concat([await image('png'), Buffer.alloc(5 * 1024 * 1024 + 10, 1)])
    const res = await upload(t.url, user.access, big)
    expect(res.status).toBe(413)
    expect(res.body.type).toBe('/problems/payload-too-large')
  })

  it('needs a token, a multipart body and a `file` field', async () => {
    const user = await signUp(t.url)
    expect((await upload(t.url, undefined, await image('png'))).status).toBe(401)
    const wrongField = await upload(t.url, user.access, await image('png'), 'a.png', 'image/png', 'picture')
    expect(wrongField.status).toBe(400)
    expect(Object.keys(wrongField.body.errors)).toEqual(['file'])
    const json = await api(t.url).post('/api/auth/upload-avatar/', { file: 'x' }, user.access)
    expect([400, 415]).toContain(json.status)
    expect(json.headers.get('content-type')).toContain('application/problem+json')
    expect((await api(t.url).delete('/api/auth/remove-avatar/')).status).toBe(401)
    expect((await fetch(`${t.url}/media/avatars/..%2F..%2Fkeys.webp`)).status).toBe(404)
    expect((await fetch(`${t.url}/media/avatars/nope.webp`)).status).toBe(404)
  })
})
