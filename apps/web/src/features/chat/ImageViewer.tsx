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
      if (dialog?.open) dialog.close()
      opener?.focus?.()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className="viewer"
      aria-label={alt}
      onClose={onClose}
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
