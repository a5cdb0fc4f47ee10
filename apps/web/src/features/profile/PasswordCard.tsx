import { useState } from 'react'
import { useForm } from 'react-hook-form'

import { FormMessage, TextField } from '../../components/Field'
import { auth } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'

export function PasswordCard() {
  const [msg, setMsg] = useState<{ error?: string | null; success?: string }>({})
  const { register, handleSubmit, setError, reset, formState } = useForm({
    defaultValues: { old_password: '', new_password: '' },
  })
  const onSubmit = handleSubmit(async (v) => {
    setMsg({})
    try {
      await auth.changePassword(v.old_password, v.new_password)
      reset()
      setMsg({ success: 'Password changed. Other sessions were signed out.' })
    } catch (err) {
      setMsg({ error: applyApiErrors(err, setError, ['old_password', 'new_password']) })
    }
  })
  const e = formState.errors
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form onSubmit={onSubmit} noValidate className="stack">
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          error={e.old_password?.message}
          {...register('old_password', { required: 'Enter your current password' })}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          error={e.new_password?.message}
          {...register('new_password', { required: 'Choose a new password' })}
        />
        <FormMessage error={msg.error} success={msg.success} />
        <div className="row row--end">
          <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
            Change password
          </button>
        </div>
      </form>
    </section>
  )
}
