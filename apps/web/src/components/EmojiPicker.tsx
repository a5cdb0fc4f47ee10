/**
 * The full emoji picker (emoji-picker-element: search, categories, skin tones, keyboard
 * support). Loaded on first use only (React.lazy), with its data served by us rather than a CDN.
 */
import { Picker } from 'emoji-picker-element'
import dataSource from 'emoji-picker-element-data/en/emojibase/data.json?url'
import { useEffect, useRef } from 'react'

export interface EmojiPickerProps {
  onPick(emoji: string): void
  onClose(): void
  label?: string
}

export default function EmojiPicker({ onPick, onClose, label = 'Emoji picker' }: EmojiPickerProps) {
  const host = useRef<HTMLDivElement>(null)
  const pick = useRef(onPick)
  pick.current = onPick
  useEffect(() => {
    const el = new Picker({ dataSource })
    el.classList.add('emoji-picker')
    const onClick = (e: Event) => {
      const unicode = (e as CustomEvent<{ unicode?: string }>).detail?.unicode
      if (unicode) pick.current(unicode)
    }
    el.addEventListener('emoji-click', onClick)
    host.current?.appendChild(el)
    // The search box takes the focus once the picker has rendered.
    const t = setTimeout(
      () => el.shadowRoot?.querySelector<HTMLInputElement>('input[type="search"]')?.focus(),
      50,
    )
    return () => {
      clearTimeout(t)
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
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation()
          onClose()
        }
      }}
    />
  )
}
