import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'

import { useMe } from '../../app/auth'
import { Avatar } from '../../components/Avatar'
import { FormMessage } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { auth } from '../../lib/endpoints'
import { displayName } from '../../lib/people'
import type { User } from '../../lib/types'
import { uploadWithProgress } from '../chat/upload'

const TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif']

export function AvatarCard() {
  const me = useMe()
  const qc = useQueryClient()
  const [file, setFile] = useState<File | null>(null)
  const [preview, setPreview] = useState<string | null>(null)
  const [progress, setProgress] = useState<number | null>(null)
  const [msg, setMsg] = useState<{ error?: string; success?: string }>({})

  useEffect(() => {
    if (!file) return setPreview(null)
    const url = URL.createObjectURL(file)
    setPreview(url)
    return () => URL.revokeObjectURL(url)
  }, [file])

  async function upload() {
    if (!file) return
    setMsg({})
    setProgress(0)
    try {
      const user = await uploadWithProgress<User>('/api/auth/upload-avatar/', file, setProgress)
      qc.setQueryData(['me'], user)
      void qc.invalidateQueries({ queryKey: ['me'] })
      setFile(null)
      setMsg({ success: 'Avatar updated.' })
    } catch (err) {
      setMsg({ error: errorMessage(err) })
    } finally {
      setProgress(null)
    }
  }

  async function remove() {
    setMsg({})
    try {
      await auth.removeAvatar()
      void qc.invalidateQueries({ queryKey: ['me'] })
      setMsg({ success: 'Avatar removed.' })
    } catch (err) {
      setMsg({ error: errorMessage(err) })
    }
  }

  const name = me.data ? displayName(me.data) : ''
  return (
    <section className="card stack" aria-labelledby="avatar-title">
      <h2 id="avatar-title">Avatar</h2>
      <div className="avatar-editor">
        {preview ? (
          <img src={preview} alt="New avatar preview" className="avatar-editor__preview" />
        ) : me.data?.avatar_url ? (
          <img src={me.data.avatar_url} alt="Current avatar" className="avatar-editor__preview" />
        ) : (
          <Avatar name={name || '?'} size={96} />
        )}
        <div className="stack stack--tight">
          <label htmlFor="avatar-file">Choose avatar</label>
          <input
            id="avatar-file"
            type="file"
            accept={TYPES.join(',')}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null
              if (f && !TYPES.includes(f.type)) {
                setMsg({ error: 'Choose a PNG, JPEG, WebP or GIF image.' })
                setFile(null)
                return
              }
              if (f && f.size > 5 * 1024 * 1024) {
                setMsg({ error: 'The image is larger than 5 MB.' })
                setFile(null)
                return
              }
              setMsg({})
              setFile(f)
            }}
          />
          {progress != null && <progress max={1} value={progress} aria-label="Avatar upload progress" />}
          <div className="row">
            <button
              type="button"
              className="btn btn--primary"
              disabled={!file || progress != null}
              onClick={() => void upload()}
            >
              Upload avatar
            </button>
            {me.data?.avatar_url && (
              <button type="button" className="btn btn--ghost" onClick={() => void remove()}>
                Remove avatar
              </button>
            )}
          </div>
        </div>
      </div>
      <FormMessage error={msg.error} success={msg.success} />
    </section>
  )
}
