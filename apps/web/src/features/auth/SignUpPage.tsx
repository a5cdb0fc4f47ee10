import { useState } from 'react'
import { useForm } from 'react-hook-form'
import { Link, useNavigate } from 'react-router'

import { signIn } from '../../app/auth'
import { FormMessage, TextField } from '../../components/Field'
import { auth, clean } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'
import { AuthLayout } from './AuthLayout'
import { ProviderButtons } from './ProviderButtons'

interface Values {
  email: string
  username: string
  password: string
  first_name: string
  last_name: string
  tenant: string
}

const FIELDS = ['email', 'username', 'password', 'first_name', 'last_name', 'tenant'] as const

export function SignUpPage() {
  const navigate = useNavigate()
  const [formError, setFormError] = useState<string | null>(null)
  const { register, handleSubmit, setError, formState, watch } = useForm<Values>({
    defaultValues: { email: '', username: '', password: '', first_name: '', last_name: '', tenant: '' },
  })

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null)
    const tenant = v.tenant.trim() || undefined
    try {
      await auth.register(clean({ ...v, email: v.email.trim(), username: v.username.trim(), tenant }))
    } catch (err) {
      setFormError(applyApiErrors(err, setError, FIELDS))
      return
    }
    try {
      await signIn(v.email.trim(), v.password, tenant)
      if (tenant) localStorage.setItem('parley.tenant', tenant)
      void navigate('/chats', { replace: true })
    } catch (err) {
      setFormError(applyApiErrors(err, setError, FIELDS) ?? 'Account created. Please sign in.')
    }
  })

  const e = formState.errors
  return (
    <AuthLayout
      title="Create your account"
      footer={<Link to="/sign-in">Already have an account? Sign in</Link>}
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
          label="Username"
          autoComplete="username"
          error={e.username?.message}
          {...register('username', { required: 'Choose a username' })}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters, not only digits."
          error={e.password?.message}
          {...register('password', { required: 'Choose a password' })}
        />
        <div className="row-2">
          <TextField
            label="First name"
            autoComplete="given-name"
            error={e.first_name?.message}
            {...register('first_name')}
          />
          <TextField
            label="Last name"
            autoComplete="family-name"
            error={e.last_name?.message}
            {...register('last_name')}
          />
        </div>
        <TextField
          label="Workspace"
          hint="Optional. Join a workspace by its name, or type a new one to create it."
          error={e.tenant?.message}
          {...register('tenant')}
        />
        <FormMessage error={formError} />
        <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? 'Creating account…' : 'Sign up'}
        </button>
      </form>
      <ProviderButtons tenant={watch('tenant')} />
    </AuthLayout>
  )
}
