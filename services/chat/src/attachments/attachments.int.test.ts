import { api } from '@parley/platform/testing'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat, type TestUser } from '../testing/harness'

/** Signed download URLs belong to one service instance: two instances in one process keep their own keys. */
describe('attachment URL keys', () => {
  let first: ChatTest
  let second: ChatTest

  beforeAll(async () => {
    // Two instances, each with its own database and so its own key; the second one starts last.
    first = await startChat()
    second = await startChat()
  })
  afterAll(async () => {
    await first?.close()
    await second?.close()
  })

  async function sendImage(c: ChatTest): Promise<{ url: string; owner: TestUser }> {
    const owner = await c.user()
    const group = await api(c.t.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: 'pics', participant_ids: [] },
      owner.token,
    )
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#00f' } })
      .png()
      .toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'blue.png')
    const upload = await fetch(`${c.t.url}/api/chat/upload/`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${owner.token}` },
    })
    const { id } = (await upload.json()) as { id: string }
    const sent = await api(c.t.url).post(
      `/api/chat/conversations/${group.body.id}/messages/`,
      { content: 'pic', attachment_ids: [id] },
      owner.token,
    )
    expect(sent.status).toBe(201)
    return { url: sent.body.attachments[0].url, owner }
  }

  it('signs with the key of the instance that serves the download', async () => {
    const a = await sendImage(first)
    const b = await sendImage(second)
    expect((await fetch(`${first.t.url}${a.url}`)).status).toBe(200)
    expect((await fetch(`${second.t.url}${b.url}`)).status).toBe(200)
  })
})
