// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'

import { ApiError, createApiClient, errorMessage, problemFromResponse } from './api'

function problem(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

describe('problemFromResponse', () => {
  it('reads type, title, detail and per-field errors', async () => {
    const err = await problemFromResponse(
      problem(400, {
        type: '/problems/validation',
        title: 'Invalid request',
        status: 400,
        detail: 'Some fields are invalid',
        errors: { email: ['Enter a valid email'], password: 'Too short' },
      }),
    )
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(400)
    expect(err.type).toBe('/problems/validation')
    expect(err.field('email')).toBe('Enter a valid email')
    expect(err.fieldErrors.password).toEqual(['Too short'])
    expect(err.message).toBe('Some fields are invalid')
  })

  it('copes with a non-JSON body and keeps Retry-After', async () => {
    const err = await problemFromResponse(
      new Response('Bad gateway', { status: 502, headers: { 'Retry-After': '7' } }),
    )
    expect(err.status).toBe(502)
    expect(err.title).toBe('Server error')
    expect(err.retryAfter).toBe(7)
    expect(errorMessage(new ApiError({ status: 429, retryAfter: 30 }))).toMatch(/30s/)
  })

  it('accepts a list of issues as errors', async () => {
    const err = await problemFromResponse(
      problem(400, { status: 400, errors: [{ path: ['card_number'], message: 'Invalid' }] }),
    )
    expect(err.field('card_number')).toBe('Invalid')
  })
})

describe('createApiClient', () => {
  it('sends JSON with the bearer token, and refreshes once on 401', async () => {
    const seen: { url: string; auth: string | null; body: unknown }[] = []
    let token = 'old'
    const fetchFn = async (url: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers)
      seen.push({ url: String(url), auth: headers.get('Authorization'), body: init?.body })
      if (headers.get('Authorization') === 'Bearer old')
        return problem(401, { status: 401, title: 'Unauthorized' })
      return new Response(JSON.stringify({ ok: true }), { status: 200 })
    }
    const api = createApiClient({
      fetch: fetchFn,
      getAccessToken: () => token,
      refreshAccessToken: async () => (token = 'new'),
    })
    await expect(api.post('/acac/search/', { person_id: '482913' })).resolves.toEqual({ ok: true })
    expect(seen.map((s) => s.auth)).toEqual(['Bearer old', 'Bearer new'])
    expect(seen[0].body).toBe('{"person_id":"482913"}')
  })

  it('throws ApiError with the problem for a failure, and a network ApiError when fetch fails', async () => {
    const api = createApiClient({
      fetch: async () => problem(404, { type: '/problems/not-found', title: 'Not found', status: 404 }),
      getAccessToken: () => 't',
      refreshAccessToken: async () => null,
    })
    await expect(api.get('/x')).rejects.toMatchObject({ status: 404, type: '/problems/not-found' })
    const offline = createApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch')
      },
      getAccessToken: () => null,
      refreshAccessToken: async () => null,
    })
    await expect(offline.get('/x')).rejects.toMatchObject({ status: 0 })
  })

  it('returns undefined for 204 and builds query strings', async () => {
    let url = ''
    const api = createApiClient({
      fetch: async (u: RequestInfo | URL) => {
        url = String(u)
        return new Response(null, { status: 204 })
      },
      getAccessToken: () => null,
      refreshAccessToken: async () => null,
    })
    await expect(
      api.get('/api/chat/conversations/c/messages/', {
        query: { before_seq: 10, limit: 50, search: undefined },
      }),
    ).resolves.toBeUndefined()
    expect(url).toBe('/api/chat/conversations/c/messages/?before_seq=10&limit=50')
  })

  it('downloads a blob with the bearer token, refreshing once on 401, and throws the problem of a refusal', async () => {
    const seen: (string | null)[] = []
    let token = 'old'
    const api = createApiClient({
      fetch: async (url: RequestInfo | URL, init?: RequestInit) => {
        const auth = new Headers(init?.headers).get('Authorization')
        seen.push(auth)
        if (auth === 'Bearer old') return problem(401, { status: 401, title: 'Unauthorized' })
        if (String(url).includes('gone')) return problem(404, { type: '/problems/not-found', status: 404 })
        return new Response('file bytes', { status: 200, headers: { 'Content-Type': 'text/plain' } })
      },
      getAccessToken: () => token,
      refreshAccessToken: async () => (token = 'new'),
    })
    await expect((await api.blob('/api/chat/attachments/a/notes.txt')).text()).resolves.toBe('file bytes')
    expect(seen).toEqual(['Bearer old', 'Bearer new'])
    await expect(api.blob('/api/chat/attachments/gone/x.txt')).rejects.toMatchObject({ status: 404 })
  })
})
