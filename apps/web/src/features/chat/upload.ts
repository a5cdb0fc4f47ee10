/** Multipart upload with progress (fetch has no upload progress, XMLHttpRequest does). */
import { api, session } from '../../app/services'
import { ApiError } from '../../lib/api'
import type { Attachment } from '../../lib/types'

function parseError(xhr: XMLHttpRequest): ApiError {
  try {
    const b = JSON.parse(xhr.responseText) as {
      type?: string
      title?: string
      detail?: string
      errors?: Record<string, string[]>
      status?: number
    }
    return new ApiError({
      status: xhr.status,
      type: b.type,
      title: b.title,
      detail: b.detail,
      errors: b.errors,
    })
  } catch {
    return new ApiError({ status: xhr.status })
  }
}

function once<T>(
  url: string,
  field: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<{ status: number; body?: T; xhr: XMLHttpRequest }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    for (const [k, v] of Object.entries(api.authHeaders())) xhr.setRequestHeader(k, v)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        try {
          resolve({ status: xhr.status, body: JSON.parse(xhr.responseText) as T, xhr })
        } catch {
          reject(new ApiError({ status: xhr.status, detail: 'Unexpected answer from the server' }))
        }
      } else resolve({ status: xhr.status, xhr })
    }
    xhr.onerror = () =>
      reject(new ApiError({ status: 0, title: 'Network error', detail: 'Upload failed: no connection' }))
    xhr.onabort = () => reject(new DOMException('Aborted', 'AbortError'))
    signal?.addEventListener('abort', () => xhr.abort())
    const form = new FormData()
    form.append(field, file, file.name)
    xhr.send(form)
  })
}

/** Upload one file; refreshes the token once on 401. */
export async function uploadWithProgress<T>(
  url: string,
  file: File,
  onProgress: (fraction: number) => void,
  opts: { field?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const field = opts.field ?? 'file'
  let res = await once<T>(url, field, file, onProgress, opts.signal)
  if (res.status === 401 && (await session.refresh()))
    res = await once<T>(url, field, file, onProgress, opts.signal)
  if (res.status >= 200 && res.status < 300 && res.body !== undefined) return res.body
  throw parseError(res.xhr)
}

export function uploadAttachment(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Attachment> {
  return uploadWithProgress<Attachment>('/api/chat/upload/', file, onProgress, { signal })
}
