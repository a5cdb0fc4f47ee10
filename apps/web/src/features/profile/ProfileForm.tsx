import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useForm } from 'react-hook-form'

import { FormMessage, SelectField, TextField } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { type Profile, profile as api } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'

const FIELDS = [
  'first_name',
  'last_name',
  'display_name',
  'primary_phone',
  'alternate_phone',
  'gender',
  'date_of_birth',
  'status_message',
] as const
type Values = Record<(typeof FIELDS)[number], string>

function toValues(p?: Profile): Values {
  return Object.fromEntries(FIELDS.map((f) => [f, p?.[f] ?? ''])) as Values
}

export function ProfileForm() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['profile'], queryFn: api.get })
  const [msg, setMsg] = useState<{ error?: string | null; success?: string }>({})
  const { register, handleSubmit, reset, setError, formState } = useForm<Values>({
    defaultValues: toValues(),
  })
  useEffect(() => {
    if (q.data) reset(toValues(q.data))
  }, [q.data, reset])

  const onSubmit = handleSubmit(async (v) => {
    setMsg({})
    // PATCH only what the user changed (naming first/last name claims them from the account);
    // a cleared field goes as null so a value can be removed.
    const before = toValues(q.data)
    const body = Object.fromEntries(
      FIELDS.filter((k) => v[k].trim() !== before[k].trim()).map((k) => [
        k,
        v[k].trim() === '' ? null : v[k].trim(),
      ]),
    ) as Partial<Profile>
    if (Object.keys(body).length === 0) {
      setMsg({ success: 'Nothing to save.' })
      return
    }
    try {
      const saved = await api.update(body)
      qc.setQueryData(['profile'], saved)
      setMsg({ success: 'Profile saved.' })
    } catch (err) {
      setMsg({ error: applyApiErrors(err, setError, FIELDS) })
    }
  })

  const e = formState.errors
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Personal details</h2>
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data && (
        <p className="muted">
          Person ID <strong>{q.data.person_id}</strong> · {q.data.email}
        </p>
      )}
      <form onSubmit={onSubmit} noValidate className="stack">
        <div className="row-2">
          <TextField label="First name" error={e.first_name?.message} {...register('first_name')} />
          <TextField label="Last name" error={e.last_name?.message} {...register('last_name')} />
        </div>
        <TextField label="Display name" error={e.display_name?.message} {...register('display_name')} />
        <div className="row-2">
          <TextField
            label="Primary phone"
            type="tel"
            placeholder="+14155550123"
            hint="International format, e.g. +14155550123"
            error={e.primary_phone?.message}
            {...register('primary_phone')}
          />
          <TextField
            label="Alternate phone"
            type="tel"
            placeholder="+14155550123"
            error={e.alternate_phone?.message}
            {...register('alternate_phone')}
          />
        </div>
        <div className="row-2">
          <SelectField label="Gender" error={e.gender?.message} {...register('gender')}>
            <option value="">Prefer not to say</option>
            <option value="female">Female</option>
            <option value="male">Male</option>
            <option value="non_binary">Non-binary</option>
            <option value="other">Other</option>
          </SelectField>
          <TextField
            label="Date of birth"
            type="date"
            error={e.date_of_birth?.message}
            {...register('date_of_birth')}
          />
        </div>
        <TextField
          label="Status message"
          maxLength={200}
          error={e.status_message?.message}
          {...register('status_message')}
        />
        <FormMessage error={msg.error} success={msg.success} />
        <div className="row row--end">
          <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
            Save profile
          </button>
        </div>
      </form>
    </section>
  )
}
