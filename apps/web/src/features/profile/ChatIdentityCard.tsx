import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useForm } from 'react-hook-form'

import { realtime } from '../../app/services'
import { FormMessage, SelectField, TextAreaField } from '../../components/Field'
import { contacts as api } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'
import type { PresenceStatus } from '../../lib/types'

export function ChatIdentityCard() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['chat-profile'], queryFn: api.myProfile })
  const [msg, setMsg] = useState<{ error?: string | null; success?: string }>({})
  const { register, handleSubmit, setError, reset, formState } = useForm({ defaultValues: { bio: '' } })
  useEffect(() => {
    if (q.data) reset({ bio: q.data.bio ?? '' })
  }, [q.data, reset])
  const onSubmit = handleSubmit(async (v) => {
    setMsg({})
    try {
      const saved = await api.updateMyProfile({ bio: v.bio })
      qc.setQueryData(['chat-profile'], saved)
      setMsg({ success: 'Saved.' })
    } catch (err) {
      setMsg({ error: applyApiErrors(err, setError, ['bio']) })
    }
  })
  return (
    <section className="card" aria-labelledby="identity-title">
      <h2 id="identity-title">Chat identity</h2>
      <form onSubmit={onSubmit} noValidate className="stack">
        <TextAreaField
          label="Bio"
          rows={2}
          maxLength={500}
          error={formState.errors.bio?.message}
          {...register('bio')}
        />
        <SelectField
          label="Presence"
          defaultValue="online"
          onChange={(e) => realtime.updatePresence(e.target.value as PresenceStatus)}
        >
          <option value="online">Online</option>
          <option value="away">Away</option>
          <option value="busy">Busy</option>
          <option value="offline">Appear offline</option>
        </SelectField>
        <div className="field">
          <label className="check">
            <input
              type="checkbox"
              checked={q.data?.discoverable ?? true}
              disabled={!q.data}
              aria-describedby="discoverable-help"
              onChange={async (e) => {
                setMsg({})
                const discoverable = e.target.checked
                const before = q.data
                // Shown at once; put back if the server refuses.
                if (before) qc.setQueryData(['chat-profile'], { ...before, discoverable })
                try {
                  const saved = await api.updateMyProfile({ discoverable })
                  qc.setQueryData(['chat-profile'], saved)
                  setMsg({
                    success: discoverable
                      ? 'People in your workspace can find you by name.'
                      : 'People find you by person ID only.',
                  })
                } catch (err) {
                  if (before) qc.setQueryData(['chat-profile'], before)
                  setMsg({ error: applyApiErrors(err, setError, []) })
                }
              }}
            />{' '}
            Let people in my workspace find me by name or username
          </label>
          <p id="discoverable-help" className="muted">
            Off: nobody finds you by name; people you give your person ID still can.
          </p>
        </div>
        <FormMessage error={msg.error} success={msg.success} />
        <div className="row row--end">
          <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
            Save bio
          </button>
        </div>
      </form>
    </section>
  )
}
