import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'

import { FormMessage } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { oauth } from './oauth'

/** Profile: the providers this account can sign in with, and removing one. */
export function LinkedMethodsCard() {
  const qc = useQueryClient()
  const links = useQuery({ queryKey: ['oauth-links'], queryFn: oauth.links })
  const [msg, setMsg] = useState<{ error?: string; success?: string }>({})
  const [busy, setBusy] = useState<string | null>(null)

  async function remove(provider: string, name: string) {
    setMsg({})
    setBusy(provider)
    try {
      await oauth.unlink(provider)
      setMsg({ success: `${name} removed.` })
      await qc.invalidateQueries({ queryKey: ['oauth-links'] })
    } catch (err) {
      setMsg({ error: errorMessage(err) })
    } finally {
      setBusy(null)
    }
  }

  return (
    <section className="card" aria-labelledby="linked-methods-title">
      <h2 id="linked-methods-title">Linked sign-in methods</h2>
      {links.isPending ? (
        <p className="muted">Loading…</p>
      ) : links.isError ? (
        <FormMessage error={errorMessage(links.error)} />
      ) : links.data.length === 0 ? (
        <p className="muted">None. You sign in with your email and password.</p>
      ) : (
        <ul className="card-list">
          {links.data.map((l) => (
            <li key={l.provider} className="row">
              <span>
                <strong>{l.display_name}</strong>
                {l.email && <span className="muted"> · {l.email}</span>}
              </span>
              <button
                type="button"
                className="btn btn--small btn--danger btn--ghost"
                aria-label={`Remove ${l.display_name}`}
                disabled={busy === l.provider}
                onClick={() => void remove(l.provider, l.display_name)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <FormMessage error={msg.error} success={msg.success} />
    </section>
  )
}
