import { useEffect, useState } from 'react'

import { api } from '../../app/services'

/**
 * Attachment downloads are authorised per conversation, so an <img src> without the bearer
 * header may be refused: fetch with the header and show a blob URL instead.
 */
export function useAuthedUrl(url: string | undefined | null): { src: string | null; failed: boolean } {
  const [state, setState] = useState<{ src: string | null; failed: boolean }>({ src: null, failed: false })
  useEffect(() => {
    if (!url) return
    if (url.startsWith('blob:') || url.startsWith('data:')) {
      setState({ src: url, failed: false })
      return
    }
    let revoked = false
    let objectUrl: string | null = null
    const ctrl = new AbortController()
    api
      .blob(url, { signal: ctrl.signal })
      .then((blob) => {
        if (revoked) return
        objectUrl = URL.createObjectURL(blob)
        setState({ src: objectUrl, failed: false })
      })
      .catch((err: unknown) => {
        if (!revoked && (err as Error)?.name !== 'AbortError') setState({ src: null, failed: true })
      })
    return () => {
      revoked = true
      ctrl.abort()
      if (objectUrl) URL.revokeObjectURL(objectUrl)
    }
  }, [url])
  return state
}

/** The box an image of this size is shown in (at most `max` px each way): known before it loads. */
export function imageBox(
  width?: number | null,
  height?: number | null,
  max = 320,
): { width: number; height: number } | null {
  if (!width || !height) return null
  const scale = Math.min(1, max / width, max / height)
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/**
 * The image keeps the exact box it will have once loaded, so the message list does not grow
 * under the reader (and "scrolled to the bottom" stays true) when the bytes arrive.
 */
export function AuthedImage({
  url,
  alt,
  width,
  height,
  className,
  onOpen,
  tabIndex,
}: {
  url: string
  alt: string
  width?: number | null
  height?: number | null
  className?: string
  onOpen?: (src: string) => void
  tabIndex?: number
}) {
  const { src, failed } = useAuthedUrl(url)
  if (failed) return <span className="attachment__broken">Image unavailable</span>
  const box = imageBox(width, height)
  const style = box ? { width: box.width, aspectRatio: `${box.width} / ${box.height}` } : undefined
  if (!src)
    return (
      <span
        className={`img-placeholder ${className ?? ''}`}
        style={style ?? { aspectRatio: '4 / 3' }}
        role="img"
        aria-label={`Loading ${alt}`}
      />
    )
  const img = (
    <img src={src} alt={alt} className={className} style={style} width={box?.width} height={box?.height} />
  )
  if (!onOpen) return img
  return (
    <button
      type="button"
      tabIndex={tabIndex}
      className="attachment__open"
      aria-label={`Open ${alt}`}
      onClick={() => onOpen(src)}
    >
      {img}
    </button>
  )
}

/**
 * Download a protected file with the bearer header and hand it to the browser. Throws an ApiError
 * the caller shows: a plain link would only open the server's 401 or 404 page.
 */
export async function downloadAuthed(url: string, filename: string): Promise<void> {
  const blob = await api.blob(url)
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 1_000)
}
