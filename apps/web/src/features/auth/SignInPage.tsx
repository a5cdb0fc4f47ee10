import { useState } from 'react'
import { useForm } from 'react-hook-form'
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router'

import { signIn } from '../../app/auth'
import { returnPath } from '../../app/return-path'
import { FormMessage, TextField } from '../../components/Field'
import { applyApiErrors } from '../../lib/form-errors'
import { AuthLayout } from './AuthLayout'
import { oauthErrorMessage } from './oauth'
import { ProviderButtons } from './ProviderButtons'

interface Values {
  email: string
  password: string
  tenant: string
}

export function SignInPage() {
  const navigate = useNavigate()
  const location = useLocation()
  const from = returnPath(location.state)
  const [params] = useSearchParams()
  const [formError, setFormError] = useState<string | null>(oauthErrorMessage(params.get('error')))
  const { register, handleSubmit, setError, formState, watch } = useForm<Values>({
    defaultValues: { email: '', password: '', tenant: localStorage.getItem('parley.tenant') ?? '' },
  })

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null)
    try {
      await signIn(v.email.trim(), v.password, v.tenant.trim() || undefined)
      if (v.tenant.trim()) localStorage.setItem('parley.tenant', v.tenant.trim())
      else localStorage.removeItem('parley.tenant')
      void navigate(from, { replace: true })
    } catch (err) {
      setFormError(applyApiErrors(err, setError, ['email', 'password', 'tenant']))
    }
  })

  const e = formState.errors
  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          <Link to="/sign-up">Create an account</Link>
          <Link to="/forgot-password">Forgot password?</Link>
        </>
      }
    >
      <form onSubmit={onSubmit} noValidate className="stack">
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          error={e.email?.message}
          {...register('email', { required: 'Enter your email' })}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          error={e.password?.message}
          {...register('password', { required: 'Enter your password' })}
        />
        <TextField
          label="Workspace"
          hint="Optional. Leave empty for the default workspace."
          autoComplete="organization"
          error={e.tenant?.message}
          {...register('tenant')}
        />
        <FormMessage error={formError} />
        <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ProviderButtons tenant={watch('tenant')} returnTo={from} />
    </AuthLayout>
  )
}
