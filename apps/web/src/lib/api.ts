/**
 * The HTTP client: relative URLs (same origin as the gateway), bearer auth, one transparent
 * refresh on 401, and RFC 9457 problem+json turned into a typed ApiError.
 */

import { humanFieldMessage, textForType, withoutIds } from './problems'
import type { Page } from './types'

export type FieldErrors = Record<string, string[]>

interface ProblemFields {
  status: number
  type?: string
  title?: string
  detail?: string
  errors?: FieldErrors
}

/** A non-2xx answer. Switch on `type`, show `message`, put `fieldErrors` beside their fields. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: number
  readonly type: string
  readonly title: string
  readonly detail?: string
  readonly fieldErrors: FieldErrors
  readonly retryAfter?: number

  constructor(p: ProblemFields & { retryAfter?: number }) {
    super(p.detail || p.title || `Request failed (${p.status})`)
    this.status = p.status
    this.type = p.type ?? 'about:blank'
    this.title = p.title ?? defaultTitle(p.status)
    this.detail = p.detail
    this.fieldErrors = p.errors ?? {}
    this.retryAfter = p.retryAfter
  }

  /** First message for a field, if any. */
  field(name: string): string | undefined {
    return this.fieldErrors[name]?.[0]
  }
}

function defaultTitle(status: number): string {
  if (status === 0) return 'Network error'
  if (status === 401) return 'Unauthorized'
  if (status === 403) return 'Forbidden'
  if (status === 404) return 'Not found'
  if (status === 413) return 'Too large'
  if (status === 429) return 'Too many requests'
  if (status >= 500) return 'Server error'
  return 'Request failed'
}

/** Normalise a field-error value (string | string[] | nested) into string[]. */
function normaliseErrors(raw: unknown): FieldErrors | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const out: FieldErrors = {}
  if (Array.isArray(raw)) {
    // Some validators answer a list of {field|path, message}.
    for (const item of raw) {
      if (item && typeof item === 'object') {
        const rec = item as Record<string, unknown>
        const path = rec.field ?? rec.path ?? rec.instancePath ?? rec.loc
        const key = Array.isArray(path)
          ? path.join('.')
          : String(path ?? 'non_field_errors')
              .replace(/^\//, '')
              .replaceAll('/', '.')
        const msg = String(rec.message ?? rec.msg ?? 'Invalid value')
        ;(out[key] ??= []).push(msg)
      }
    }
    return out
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(value)) out[key] = value.map((v) => String(v))
    else if (typeof value === 'string') out[key] = [value]
    else if (value != null) out[key] = [JSON.stringify(value)]
  }
  return out
}

/** Build an ApiError from any failed Response (problem+json, plain JSON or text). */
export async function problemFromResponse(res: Response): Promise<ApiError> {
  const retryHeader = res.headers.get('retry-after')
  const retryAfter = retryHeader != null && retryHeader !== '' ? Number(retryHeader) : undefined
  let text = ''
  try {
    text = await res.text()
  } catch {
    // body unreadable: fall back to the status line
  }
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>
    return new ApiError({
      status: typeof b.status === 'number' ? b.status : res.status,
      type: typeof b.type === 'string' ? b.type : undefined,
      title: typeof b.title === 'string' ? b.title : undefined,
      detail: typeof b.detail === 'string' ? b.detail : typeof b.message === 'string' ? b.message : undefined,
      errors: normaliseErrors(b.errors),
      retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
    })
  }
  return new ApiError({
    status: res.status,
    detail: text && text.length < 300 ? text : undefined,
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined,
  })
}

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string | number | boolean | undefined | null>
  /** Skip the bearer header (public endpoints: login, register, forgot-password, mailbox). */
  anonymous?: boolean
  signal?: AbortSignal
}

export interface ApiClientDeps {
  fetch?: typeof fetch
  getAccessToken: () => string | null
  /** Refresh the access token; resolves to the new access token or null when the session is over. */
  refreshAccessToken: () => Promise<string | null>
  baseUrl?: string
}

export interface ApiClient {
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<T>
  get<T>(path: string, opts?: RequestOptions): Promise<T>
  post<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T>
  put<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T>
  patch<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T>
  delete<T = void>(path: string, opts?: RequestOptions): Promise<T>
  /**
   * An authorised GET's body as a Blob (attachments, images): the same one refresh on 401 and the
   * same ApiError from problem+json as every other request, so an expired token is invisible here too.
   */
  blob(path: string, opts?: RequestOptions): Promise<Blob>
  /** Bearer headers for requests made outside fetch (XHR uploads). */
  authHeaders(): Record<string, string>
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

/** Create the client. The one retry after a refresh is what keeps a 15-minute access token invisible to users. */
export function createApiClient(deps: ApiClientDeps): ApiClient {
  const doFetch = deps.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args))
  const base = deps.baseUrl ?? ''

  async function send(
    method: string,
    path: string,
    opts: RequestOptions,
    token: string | null,
    accept: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept }
    let body: BodyInit | undefined
    if (opts.body instanceof FormData) body = opts.body
    else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`
    try {
      return await doFetch(base + withQuery(path, opts.query), { method, headers, body, signal: opts.signal })
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err
      throw new ApiError({
        status: 0,
        title: 'Network error',
        detail: 'Could not reach the server. Check your connection.',
      })
    }
  }

  /** The response of a successful request, after at most one refresh; an ApiError otherwise. */
  async function respond(
    method: string,
    path: string,
    opts: RequestOptions,
    accept = 'application/json, application/problem+json',
  ): Promise<Response> {
    let res = await send(method, path, opts, deps.getAccessToken(), accept)
    if (res.status === 401 && !opts.anonymous) {
      const fresh = await deps.refreshAccessToken()
      if (fresh) res = await send(method, path, opts, fresh, accept)
    }
    if (!res.ok) throw await problemFromResponse(res)
    return res
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await respond(method, path, opts)
    if (res.status === 204) return undefined as T
    const text = await res.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  return {
    request,
    get: (p, o) => request('GET', p, o),
    post: (p, b, o) => request('POST', p, { ...o, body: b }),
    put: (p, b, o) => request('PUT', p, { ...o, body: b }),
    patch: (p, b, o) => request('PATCH', p, { ...o, body: b }),
    delete: (p, o) => request('DELETE', p, o),
    blob: async (p, o = {}) => (await respond('GET', p, o, '*/*')).blob(),
    authHeaders: (): Record<string, string> => {
      const t = deps.getAccessToken()
      return t ? { Authorization: `Bearer ${t}` } : {}
    },
  }
}

/** Human text for any thrown value: a sentence by problem type, else the detail without internal ids. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429)
      return `Too many attempts. Try again${err.retryAfter ? ` in ${err.retryAfter}s` : ' later'}.`
    const known = textForType(err.type)
    if (known) return known
    const fields = Object.values(err.fieldErrors).flat()
    if (err.type.endsWith('/validation-error') && fields.length) return humanFieldMessage(fields[0])
    return withoutIds(err.detail || err.title) || err.title
  }
  if (err instanceof Error) return err.message
  return 'Something went wrong'
}

/** Accept either a bare array or a `{results}` page. */
export function resultsOf<T>(data: T[] | Page<T> | { results?: T[] } | null | undefined): T[] {
  if (!data) return []
  if (Array.isArray(data)) return data
  return data.results ?? []
}
