/** Set-up through the API for the browser tests: contacts, conversations, messages, images. */
import { api, type SignedUpUser } from '@parley/platform/testing'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

export async function befriend(baseUrl: string, from: SignedUpUser, to: SignedUpUser): Promise<void> {
  const client = api(baseUrl)
  const sent = await client.post('/acac/send-invite/', { person_id: to.person_id }, from.access)
  expect(sent.status, sent.text).toBeLessThan(300)
  const accepted = await client.post(
    '/acac/accept-invite/',
    { invite_id: sent.body.id, accept: true },
    to.access,
  )
  expect(accepted.status, accepted.text).toBeLessThan(300)
}

export async function directWith(baseUrl: string, me: SignedUpUser, other: SignedUpUser): Promise<string> {
  const res = await api(baseUrl).get('/api/chat/conversations/?page_size=100', me.access)
  const list = (Array.isArray(res.body) ? res.body : res.body.results) as Array<{
    id: string
    type: string
    participants?: Array<{ user_id: string }>
  }>
  const dm = list.find((c) => c.type === 'direct' && c.participants?.some((p) => p.user_id === other.id))
  if (!dm) throw new Error(`no direct conversation with ${other.username}: ${res.text}`)
  return dm.id
}

export async function sendText(
  baseUrl: string,
  from: SignedUpUser,
  conversationId: string,
  content: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; seq: number }> {
  const res = await api(baseUrl).post(
    `/api/chat/conversations/${conversationId}/messages/`,
    { content, ...extra },
    from.access,
  )
  expect(res.status, res.text).toBeLessThan(300)
  return res.body
}

/** A PNG drawn by the browser (a gradient), so it has a real size to lay out. */
export async function drawPng(page: Page, width: number, height: number): Promise<Buffer> {
  const dataUrl = await page.evaluate(
    ([w, h]) => {
      const c = document.createElement('canvas')
      c.width = w
      c.height = h
      const g = c.getContext('2d')!
      const grad = g.createLinearGradient(0, 0, w, h)
      grad.addColorStop(0, '#2563eb')
      grad.addColorStop(1, '#22a559')
      g.fillStyle = grad
      g.fillRect(0, 0, w, h)
      return c.toDataURL('image/png')
    },
    [width, height] as const,
  )
  return Buffer.from(dataUrl.split(',')[1], 'base64')
}

export async function uploadImage(
  baseUrl: string,
  from: SignedUpUser,
  png: Buffer,
  name: string,
): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), name)
  const res = await fetch(`${baseUrl}/api/chat/upload/`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${from.access}` },
  })
  const body = (await res.json()) as { id: string }
  expect(res.status).toBeLessThan(300)
  return body.id
}
