import { useState } from 'react'

import { initials } from '../lib/people'

export function Avatar({
  name,
  url,
  size = 36,
  presence,
}: {
  name: string
  url?: string | null
  size?: number
  presence?: string
}) {
  const [broken, setBroken] = useState(false)
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4 }} aria-hidden="true">
      {url && !broken ? (
        <img src={url} alt="" onError={() => setBroken(true)} />
      ) : (
        <span>{initials(name)}</span>
      )}
      {presence && <PresenceDot status={presence} />}
    </span>
  )
}

export function PresenceDot({ status, labelled }: { status: string; labelled?: boolean }) {
  return (
    <span
      className={`presence presence--${status}`}
      role={labelled ? 'img' : undefined}
      aria-label={labelled ? status : undefined}
      title={status}
    />
  )
}
