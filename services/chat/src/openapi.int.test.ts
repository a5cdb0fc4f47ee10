import { api } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ChatTest, startChat } from './testing/harness'

interface Operation {
  tags?: string[]
  security?: Array<Record<string, unknown>>
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>
}

/** Every chat route documents what it answers, from the same zod schemas that shape the reply. */
describe('chat OpenAPI document', () => {
  let c: ChatTest
  let paths: Record<string, Record<string, Operation>>

  beforeAll(async () => {
    c = await startChat()
    paths = (await api(c.t.url).get('/api/schema/')).body.paths
  })
  afterAll(() => c?.close())

  const chatOperations = () =>
    Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/chat/') || path.startsWith('/messages/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      )

  it('gives every chat operation a 2xx response schema, the chat tag and bearer auth where signed in', () => {
    const ops = chatOperations()
    expect(ops.length).toBeGreaterThan(30)
    const missing: string[] = []
    for (const { route, op } of ops) {
      const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status))
      const documented = success.some(
        ([status, r]) =>
          status === '204' || Object.keys(r.content?.['application/json']?.schema ?? {}).length > 0,
      )
      if (!documented) missing.push(route)
      expect(op.tags, route).toEqual(['chat'])
    }
    expect(missing).toEqual([])
    const unsecured = ops.filter(
      ({ route, op }) =>
        !/health|GET \/messages\/$/.test(route) && !op.security?.some((s) => 'bearerAuth' in s),
    )
    expect(unsecured.map((o) => o.route)).toEqual([])
  })

  it('describes a message with the fields the web client and the socket frames share', () => {
    const send = paths['/api/chat/conversations/{id}/messages/'].post.responses!['201'].content![
      'application/json'
    ].schema as {
      properties: Record<string, unknown>
      required: string[]
    }
    for (const field of [
      'id',
      'conversation_id',
      'seq',
      'sender_id',
      'content',
      'attachments',
      'reactions',
      'is_delivered',
      'is_seen',
      'client_id',
    ]) {
      expect(send.required, field).toContain(field)
    }
  })
})
