import { useState } from 'react'
import { useForm } from 'react-hook-form'
import { Link, useSearchParams } from 'react-router'

import { FormMessage, TextField } from '../../components/Field'
import { auth } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'
import { AuthLayout } from './AuthLayout'

interface Values {
  new_password: string
  confirm: string
}

export function ResetPasswordPage() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const [done, setDone] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)
  const { register, handleSubmit, setError, getValues, formState } = useForm<Values>({
    defaultValues: { new_password: '', confirm: '' },
  })

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null)
    try {
      await auth.resetPassword(token, v.new_password)
      setDone(true)
    } catch (err) {
      setFormError(applyApiErrors(err, setError, ['new_password']))
    }
  })

  return (
    <AuthLayout title="Choose a new password" footer={<Link to="/sign-in">Back to sign in</Link>}>
      {!token ? (
        <p role="alert" className="form-message form-message--error">
          This reset link is incomplete. <Link to="/forgot-password">Ask for a new one</Link>.
        </p>
      ) : done ? (
        <p role="status" className="form-message form-message--success">
          Your password was changed. <Link to="/sign-in">Sign in</Link> with the new one.
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate className="stack">
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            error={formState.errors.new_password?.message}
            {...register('new_password', {
              required: 'Choose a password',
              minLength: { value: 8, message: 'At least 8 characters' },
            })}
          />
          <TextField
            label="Confirm password"
            type="password"
            autoComplete="new-password"
            error={formState.errors.confirm?.message}
            {...register('confirm', {
              validate: (v) => v === getValues('new_password') || 'The passwords do not match',
            })}
          />
          <FormMessage error={formError} />
          <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
            Reset password
          </button>
        </form>
      )}
    </AuthLayout>
  )
}
