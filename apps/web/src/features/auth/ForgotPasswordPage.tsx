import { useState } from 'react'
import { useForm } from 'react-hook-form'
import { Link } from 'react-router'

import { FormMessage, TextField } from '../../components/Field'
import { auth } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'
import { AuthLayout } from './AuthLayout'

export function ForgotPasswordPage() {
  const [sent, setSent] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)
  const { register, handleSubmit, setError, formState } = useForm<{ email: string }>({
    defaultValues: { email: '' },
  })

  const onSubmit = handleSubmit(async ({ email }) => {
    setFormError(null)
    try {
      await auth.forgotPassword(email.trim())
      setSent(true)
    } catch (err) {
      setFormError(applyApiErrors(err, setError, ['email']))
    }
  })

  return (
    <AuthLayout
      title="Reset your password"
      footer={
        <>
          <Link to="/sign-in">Back to sign in</Link>
          <Link to="/dev/mailbox">Dev mailbox</Link>
        </>
      }
    >
      {sent ? (
        <p role="status" className="form-message form-message--success">
          If an account exists for that email, a reset link is on its way. It is valid for 30 minutes.
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate className="stack">
          <p className="muted">Enter your email and we will send you a link to choose a new password.</p>
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            error={formState.errors.email?.message}
            {...register('email', { required: 'Enter your email' })}
          />
          <FormMessage error={formError} />
          <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
            Send reset link
          </button>
        </form>
      )}
    </AuthLayout>
  )
}
