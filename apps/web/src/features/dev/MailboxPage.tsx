import { useQuery } from '@tanstack/react-query'
import { Fragment } from 'react'
import { Link } from 'react-router'

import { errorMessage } from '../../lib/api'
import { auth } from '../../lib/endpoints'

const URL_RE = /(https?:\/\/[^\s<>"')]+)/g

/** Links to this app (reset links) open in-app whatever host the mail was written for. */
function MailText({ text }: { text: string }) {
  const parts = text.split(URL_RE)
  return (
    <pre className="mail__text">
      {parts.map((part, i) => {
        if (i % 2 === 0) return <Fragment key={i}>{part}</Fragment>
        let inApp: string | null = null
        try {
          const u = new URL(part)
          if (u.pathname.startsWith('/reset-password')) inApp = u.pathname + u.search
        } catch {
          inApp = null
        }
        return inApp ? (
          <Link key={i} to={inApp}>
            {part}
          </Link>
        ) : (
          <a key={i} href={part} rel="noreferrer">
            {part}
          </a>
        )
      })}
    </pre>
  )
}

export function MailboxPage() {
  const q = useQuery({ queryKey: ['mailbox'], queryFn: auth.mailbox, refetchInterval: 5_000 })
  return (
    <main className="page page--narrow">
      <header className="page__header">
        <h1>Dev mailbox</h1>
        <div className="row">
          <button type="button" className="btn" onClick={() => void q.refetch()}>
            Refresh
          </button>
          <Link to="/sign-in" className="btn btn--ghost">
            Sign in
          </Link>
        </div>
      </header>
      <p className="muted">Mails the platform “sent” in embedded mode, newest first.</p>
      {q.isPending && <p role="status">Loading…</p>}
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data && q.data.length === 0 && <p>No mail yet.</p>}
      <ul className="mail-list" aria-label="Mails">
        {q.data?.map((m, i) => (
          <li key={`${m.created_at}-${i}`} className="card mail">
            <article aria-label={m.subject}>
              <header className="mail__head">
                <h2>{m.subject}</h2>
                <p className="muted">
                  To {m.to} · <time dateTime={m.created_at}>{new Date(m.created_at).toLocaleString()}</time>
                </p>
              </header>
              <MailText text={m.text} />
            </article>
          </li>
        ))}
      </ul>
    </main>
  )
}
