/**
 * The full emoji picker (emoji-picker-element: search, categories, skin tones, keyboard
 * support). Loaded on first use only (React.lazy), with its data served by us rather than a CDN.
 */
import { Picker } from 'emoji-picker-element'
import dataSource from 'emoji-picker-element-data/en/emojibase/data.json?url'
import { type CSSProperties, useEffect, useLayoutEffect, useRef, useState } from 'react'

export interface EmojiPickerProps {
  onPick(emoji: string): void
  onClose(): void
  label?: string
  /** The button that opened it: the picker is placed beside it, inside the window. */
  anchor?: HTMLElement | null
}

const WIDTH = 340
const HEIGHT = 340

/** Fixed coordinates next to the anchor, below it when there is room, else above; never off screen. */
export function placeNear(
  rect: DOMRect,
  view: { width: number; height: number },
): { top: number; left: number } {
  const width = Math.min(WIDTH, view.width - 16)
  const below = rect.bottom + 6 + HEIGHT <= view.height
  const top = below ? rect.bottom + 6 : Math.max(8, rect.top - 6 - HEIGHT)
  const left = Math.min(Math.max(8, rect.left), view.width - width - 8)
  return { top, left }
}

export default function EmojiPicker({ onPick, onClose, label = 'Emoji picker', anchor }: EmojiPickerProps) {
  const host = useRef<HTMLDivElement>(null)
  const [style, setStyle] = useState<CSSProperties | undefined>(undefined)
  useLayoutEffect(() => {
    if (!anchor) return
    const place = () =>
      setStyle({
        position: 'fixed',
        ...placeNear(anchor.getBoundingClientRect(), {
          width: window.innerWidth,
          height: window.innerHeight,
        }),
      })
    place()
    window.addEventListener('resize', place)
    return () => window.removeEventListener('resize', place)
  }, [anchor])
  const pick = useRef(onPick)
  pick.current = onPick
  const closeRef = useRef(onClose)
  closeRef.current = onClose
  const anchorRef = useRef(anchor)
  anchorRef.current = anchor
  useEffect(() => {
    const el = new Picker({ dataSource })
    el.classList.add('emoji-picker')
    const onClick = (e: Event) => {
      const unicode = (e as CustomEvent<{ unicode?: string }>).detail?.unicode
      if (unicode) pick.current(unicode)
    }
    el.addEventListener('emoji-click', onClick)
    host.current?.appendChild(el)
    // A press outside the picker (and outside the button that toggles it) closes it.
    const onDown = (e: PointerEvent) => {
      const target = e.target as Node
      if (!host.current?.contains(target) && !anchorRef.current?.contains(target)) closeRef.current()
    }
    document.addEventListener('pointerdown', onDown)
    // The search box takes the focus once the picker has rendered.
    const t = setTimeout(
      () => el.shadowRoot?.querySelector<HTMLInputElement>('input[type="search"]')?.focus(),
      50,
    )
    return () => {
      clearTimeout(t)
      document.removeEventListener('pointerdown', onDown)
      el.removeEventListener('emoji-click', onClick)
      el.remove()
    }
  }, [])
  return (
    <div
      className="emoji-popover"
      role="dialog"
      aria-label={label}
      ref={host}
      style={style}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation()
          onClose()
        }
      }}
    />
  )
}
