import { lazy, Suspense } from 'react'

import type { EmojiPickerProps } from './EmojiPicker'

const Picker = lazy(() => import('./EmojiPicker'))

/** The emoji picker, fetched the first time someone opens it. */
export function LazyEmojiPicker(props: EmojiPickerProps) {
  return (
    <Suspense
      fallback={
        <div className="emoji-popover emoji-popover--loading" role="status">
          Loading emoji…
        </div>
      }
    >
      <Picker {...props} />
    </Suspense>
  )
}
