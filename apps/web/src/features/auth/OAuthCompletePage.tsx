import { useEffect, useRef, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'

import { queryClient, session } from '../../app/services'
import { FormMessage } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { AuthLayout } from './AuthLayout'
import { oauth } from './oauth'

/** `/oauth/complete?handoff=…`: trades the one-time handoff for a session, then goes on. */
export function OAuthCompletePage() {
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const [error, setError] = useState<string | null>(null)
  const started = useRef(false)

  useEffect(() => {
    // @NOTE Once only (StrictMode runs effects twice): a handoff is single use.
    if (started.current) return
    started.current = true
    const handoff = params.get('handoff')
    // Keep the handoff out of the history entry.
    window.history.replaceState(null, '', '/oauth/complete')
    if (!handoff) {
      setError('This sign-in link is incomplete. Please sign in again.')
      return
    }
    oauth
      .exchange(handoff)
      .then((res) => {
        queryClient.clear()
        session.setTokens(res)
        queryClient.setQueryData(['me'], res.user)
        void navigate(res.return_to || '/chats', { replace: true })
      })
      .catch((err: unknown) => setError(errorMessage(err)))
  }, [params, navigate])

  return (
    <AuthLayout title="Signing you in" footer={<Link to="/sign-in">Back to sign in</Link>}>
      {error ? <FormMessage error={error} /> : <p role="status">One moment…</p>}
    </AuthLayout>
  )
}
