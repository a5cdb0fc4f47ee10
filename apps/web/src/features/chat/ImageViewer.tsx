import { useEffect, useRef } from 'react'

/**
 * A full-size view of one image: a modal <dialog> (the browser traps focus and closes it on
 * Escape); closing puts the focus back on the thumbnail that opened it.
 */
export function ImageViewer({ src, alt, onClose }: { src: string; alt: string; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    const opener = document.activeElement as HTMLElement | null
    if (dialog && !dialog.open) dialog.showModal()
    return () => {
      // Unmounted for good (the element is gone): the focus goes back to the thumbnail. A
      // remount of the same element (StrictMode) keeps the dialog open as it is.
      if (dialog && !dialog.isConnected) opener?.focus?.()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className="viewer"
      aria-label={alt}
      // A close event can arrive late, after the dialog was shown again: only a real close counts.
      onClose={() => !ref.current?.open && onClose()}
      onClick={(e) => e.target === e.currentTarget && onClose()}
    >
      <div className="viewer__bar">
        <a className="btn btn--small" href={src} download>
          Download
        </a>
        <button type="button" className="btn btn--small" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <img src={src} alt={alt} className="viewer__img" />
    </dialog>
  )
}
