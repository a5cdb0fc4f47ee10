import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate } from 'react-router'

import { useMe } from '../../app/auth'
import { Avatar } from '../../components/Avatar'
import { FormMessage } from '../../components/Field'
import { ApiError, errorMessage } from '../../lib/api'
import { type Block, contacts as api, type Invite } from '../../lib/endpoints'
import { contactPerson, inviteRecipient, inviteSender, personFrom, type PersonView } from '../../lib/people'
import type { ChatProfile } from '../../lib/types'
import { useLivePeople, usePresence } from '../../realtime/hooks'
import { livePeople } from '../../realtime/people'

function useFeedback() {
  const [msg, setMsg] = useState<{ error?: string; success?: string }>({})
  return {
    msg,
    ok: (success: string) => setMsg({ success }),
    fail: (err: unknown) => setMsg({ error: errorMessage(err) }),
  }
}

function PersonLine({ p, extra }: { p: PersonView; extra?: string }) {
  const live = usePresence(p.userId)
  const status = live ?? p.presence
  return (
    <span className="person">
      <Avatar name={p.name} url={p.avatarUrl} presence={status} />
      <span className="person__text">
        <strong>{p.name}</strong>
        <span className="muted">
          {p.personId ? `#${p.personId}` : ''}
          {p.username && p.username !== p.name ? ` · @${p.username}` : ''}
          {status ? ` · ${status}` : ''}
          {extra ? ` · ${extra}` : ''}
        </span>
      </span>
    </span>
  )
}

function MyId() {
  const me = useMe()
  const [copied, setCopied] = useState(false)
  const pid = me.data?.person_id
  if (!pid) return null
  return (
    <section className="card my-id" aria-labelledby="my-id-title">
      <h2 id="my-id-title">Share your ID</h2>
      <p className="muted">Share it so people can find you.</p>
      <div className="row">
        <output className="person-id" aria-label="Your person ID" data-testid="my-person-id">
          {pid}
        </output>
        <button
          type="button"
          className="btn"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(pid)
              setCopied(true)
              setTimeout(() => setCopied(false), 2000)
            } catch {
              setCopied(false)
            }
          }}
        >
          {copied ? 'Copied' : 'Copy person ID'}
        </button>
      </div>
    </section>
  )
}

function Search({ feedback }: { feedback: ReturnType<typeof useFeedback> }) {
  const qc = useQueryClient()
  useLivePeople()
  const [pid, setPid] = useState('')
  const [fieldError, setFieldError] = useState<string>()
  const [result, setResult] = useState<ChatProfile | null>(null)
  const [notFound, setNotFound] = useState(false)
  const search = useMutation({
    mutationFn: (id: string) => api.search(id),
    onMutate: () => {
      setResult(null)
      setNotFound(false)
      setFieldError(undefined)
    },
    onSuccess: setResult,
    onError: (err) => {
      if (err instanceof ApiError && err.status === 404) setNotFound(true)
      else if (err instanceof ApiError && err.field('person_id')) setFieldError(err.field('person_id'))
      else feedback.fail(err)
    },
  })
  const navigate = useNavigate()
  // What the result can offer depends on what we already have with that person.
  const contactsQ = useQuery({ queryKey: ['contacts'], queryFn: api.list })
  const sentQ = useQuery({ queryKey: ['invites', 'sent'], queryFn: api.sent, refetchInterval: 15_000 })
  const [invitedNow, setInvitedNow] = useState<Set<string>>(new Set())
  const invite = useMutation({
    mutationFn: (id: string) => api.sendInvite(id),
    onSuccess: (_d, id) => {
      setInvitedNow((s) => new Set(s).add(id))
      feedback.ok('Invite sent.')
      void qc.invalidateQueries({ queryKey: ['invites'] })
      void qc.invalidateQueries({ queryKey: ['contacts'] })
    },
    onError: (err, id) => {
      // Already invited (in another tab, say): show it as invited rather than as a failure.
      if (err instanceof ApiError && err.type.endsWith('/invite-already-pending'))
        setInvitedNow((s) => new Set(s).add(id))
      feedback.fail(err)
    },
  })
  const contactOf = (pid: string) =>
    (contactsQ.data ?? []).find((c) => contactPerson(c as Record<string, unknown>).personId === pid)
  const invitedAlready = (pid: string) =>
    invitedNow.has(pid) || (sentQ.data ?? []).some((i) => inviteRecipient(i).personId === pid)
  const block = useMutation({
    mutationFn: (id: string) => api.block(id),
    onSuccess: () => {
      feedback.ok('Blocked.')
      setResult(null)
      void qc.invalidateQueries({ queryKey: ['blocks'] })
      void qc.invalidateQueries({ queryKey: ['contacts'] })
    },
    onError: feedback.fail,
  })
  return (
    <section className="card" aria-labelledby="find-title">
      <h2 id="find-title">Find people</h2>
      <form
        className="row row--wrap"
        onSubmit={(e) => {
          e.preventDefault()
          const v = pid.trim()
          if (!/^[1-9]\d{5}$/.test(v)) {
            setFieldError('A person ID is six digits, not starting with 0')
            return
          }
          search.mutate(v)
        }}
      >
        <div className={`field field--grow ${fieldError ? 'field--invalid' : ''}`}>
          <label htmlFor="search-pid">Person ID</label>
          <input
            id="search-pid"
            inputMode="numeric"
            autoComplete="off"
            placeholder="482913"
            value={pid}
            maxLength={6}
            aria-invalid={!!fieldError || undefined}
            aria-describedby={fieldError ? 'search-pid-err' : undefined}
            onChange={(e) => setPid(e.target.value.replace(/\D/g, ''))}
          />
          {fieldError && (
            <p id="search-pid-err" className="field__error" role="alert">
              {fieldError}
            </p>
          )}
        </div>
        <button type="submit" className="btn btn--primary align-end" disabled={search.isPending}>
          Search
        </button>
      </form>
      {notFound && (
        <p role="status" className="muted">
          Nobody has that person ID.
        </p>
      )}
      {result && (
        <div className="result row row--between" role="group" aria-label="Search result">
          <PersonLine p={personFrom(result)} />
          <div className="row">
            {contactOf(result.person_id) ? (
              <>
                <span className="muted">Already a contact</span>
                {contactOf(result.person_id)?.room_id && (
                  <button
                    type="button"
                    className="btn btn--primary"
                    onClick={() => navigate(`/chats/${contactOf(result.person_id)?.room_id}`)}
                  >
                    Message
                  </button>
                )}
              </>
            ) : invitedAlready(result.person_id) ? (
              <button type="button" className="btn" disabled>
                Invited
              </button>
            ) : (
              <button
                type="button"
                className="btn btn--primary"
                onClick={() => invite.mutate(result.person_id)}
                disabled={invite.isPending}
              >
                {invite.isPending ? 'Inviting…' : 'Invite'}
              </button>
            )}
            <button type="button" className="btn btn--ghost" onClick={() => block.mutate(result.person_id)}>
              Block
            </button>
          </div>
        </div>
      )}
    </section>
  )
}

/** People of my workspace by name or username (those who are discoverable), beside the person ID search. */
function NameSearch({ feedback }: { feedback: ReturnType<typeof useFeedback> }) {
  const qc = useQueryClient()
  const navigate = useNavigate()
  const [text, setText] = useState('')
  const [invited, setInvited] = useState<Set<string>>(new Set())
  const search = useMutation({ mutationFn: (q: string) => api.searchPeople(q), onError: feedback.fail })
  const invite = useMutation({
    mutationFn: (id: string) => api.sendInvite(id),
    onSuccess: (_d, id) => {
      setInvited((s) => new Set(s).add(id))
      feedback.ok('Invite sent.')
      void qc.invalidateQueries({ queryKey: ['invites'] })
    },
    onError: (err, id) => {
      if (err instanceof ApiError && err.type.endsWith('/invite-already-pending'))
        setInvited((s) => new Set(s).add(id))
      feedback.fail(err)
    },
  })
  const hits = search.data?.results ?? []
  return (
    <section className="card" aria-labelledby="find-name-title">
      <h2 id="find-name-title">Find people by name</h2>
      <form
        className="row row--wrap"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          if (text.trim()) search.mutate(text.trim())
        }}
      >
        <div className="field field--grow">
          <label htmlFor="search-name">Name or username</label>
          <input
            id="search-name"
            autoComplete="off"
            placeholder="Ann, ann_lee…"
            value={text}
            maxLength={100}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <button
          type="submit"
          className="btn btn--primary align-end"
          disabled={search.isPending || !text.trim()}
        >
          Find
        </button>
      </form>
      {search.data && hits.length === 0 && (
        <p role="status" className="muted">
          Nobody in your workspace matches. People who turned off name search are found by person ID.
        </p>
      )}
      {hits.length > 0 && (
        <ul className="list" aria-label="People found">
          {hits.map((h) => (
            <li key={h.user_id} className="result row row--between">
              <PersonLine p={personFrom(h)} />
              <div className="row">
                {h.relationship === 'contact' ? (
                  h.room_id && (
                    <button
                      type="button"
                      className="btn btn--primary"
                      onClick={() => navigate(`/chats/${h.room_id}`)}
                    >
                      Message
                    </button>
                  )
                ) : h.relationship === 'invite_sent' || invited.has(h.person_id) ? (
                  <button type="button" className="btn" disabled>
                    Invited
                  </button>
                ) : h.relationship === 'invite_received' ? (
                  <span className="muted">Invited you</span>
                ) : h.relationship === 'blocked' ? (
                  <span className="muted">Blocked</span>
                ) : (
                  <button
                    type="button"
                    className="btn btn--primary"
                    aria-label={`Invite ${personFrom(h).name}`}
                    onClick={() => invite.mutate(h.person_id)}
                    disabled={invite.isPending}
                  >
                    Invite
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function inviteId(i: Invite): string {
  return String(i.id ?? i.invite_id)
}

/** What became of an invite this session saw answered live (issue 15): the sender's list shows it. */
const ANSWERED: Record<string, string> = {
  accepted: 'accepted',
  rejected: 'declined',
  cancelled: 'cancelled',
}

function Invites({ feedback }: { feedback: ReturnType<typeof useFeedback> }) {
  const qc = useQueryClient()
  useLivePeople()
  const meId = useMe().data?.id
  const received = useQuery({
    queryKey: ['invites', 'received'],
    queryFn: api.received,
    refetchInterval: 15_000,
  })
  const sent = useQuery({ queryKey: ['invites', 'sent'], queryFn: api.sent, refetchInterval: 15_000 })
  const rejected = useQuery({ queryKey: ['invites', 'rejected'], queryFn: api.rejected })
  // Invites I sent that were answered while this page was open: they left the server's "Sent" list.
  const answeredHere = livePeople
    .allInvites()
    .filter(
      (i) =>
        i.sender.user_id === meId &&
        ANSWERED[i.status] &&
        !sent.data?.some((s) => inviteId(s) === i.invite_id),
    )
  const invalidate = () => {
    void qc.invalidateQueries({ queryKey: ['invites'] })
    void qc.invalidateQueries({ queryKey: ['contacts'] })
    void qc.invalidateQueries({ queryKey: ['conversations'] })
  }
  const answer = useMutation({
    mutationFn: ({ id, accept }: { id: string; accept: boolean }) => api.answer(id, accept),
    onSuccess: (_d, v) => {
      feedback.ok(v.accept ? 'Invite accepted. You can now chat.' : 'Invite declined.')
      invalidate()
    },
    onError: feedback.fail,
  })
  const cancel = useMutation({
    mutationFn: api.cancel,
    onSuccess: () => (feedback.ok('Invite cancelled.'), invalidate()),
    onError: feedback.fail,
  })
  const dismiss = useMutation({
    mutationFn: api.deleteRejected,
    onSuccess: invalidate,
    onError: feedback.fail,
  })

  return (
    <section className="card" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <h3>Received</h3>
      {received.isError && <p role="alert">{errorMessage(received.error)}</p>}
      {received.data?.length === 0 && <p className="muted">No pending invites.</p>}
      <ul className="card-list" aria-label="Received invites">
        {received.data?.map((i) => (
          <li key={inviteId(i)} className="row row--between">
            <PersonLine p={inviteSender(i)} />
            <div className="row">
              <button
                type="button"
                className="btn btn--primary"
                onClick={() => answer.mutate({ id: inviteId(i), accept: true })}
                disabled={answer.isPending}
              >
                Accept
              </button>
              <button
                type="button"
                className="btn btn--ghost"
                onClick={() => answer.mutate({ id: inviteId(i), accept: false })}
                disabled={answer.isPending}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
      <h3>Sent</h3>
      {sent.data?.length === 0 && answeredHere.length === 0 && (
        <p className="muted">No invites waiting for an answer.</p>
      )}
      <ul className="card-list" aria-label="Sent invites">
        {sent.data?.map((i) => {
          const answered = ANSWERED[livePeople.invite(inviteId(i))?.status ?? '']
          return (
            <li key={inviteId(i)} className="row row--between">
              <PersonLine p={inviteRecipient(i)} extra={answered ?? 'pending'} />
              {!answered && (
                <button type="button" className="btn btn--ghost" onClick={() => cancel.mutate(inviteId(i))}>
                  Cancel invite
                </button>
              )}
            </li>
          )
        })}
        {answeredHere.map((i) => (
          <li key={i.invite_id} className="row row--between">
            <PersonLine p={personFrom(i.recipient)} extra={ANSWERED[i.status]} />
          </li>
        ))}
      </ul>
      {rejected.data && rejected.data.length > 0 && (
        <>
          <h3>Declined</h3>
          <ul className="card-list" aria-label="Declined invites">
            {rejected.data.map((i) => (
              <li key={inviteId(i)} className="row row--between">
                <PersonLine p={inviteRecipient(i)} extra="declined" />
                <button type="button" className="btn btn--ghost" onClick={() => dismiss.mutate(inviteId(i))}>
                  Dismiss
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function Contacts({ feedback }: { feedback: ReturnType<typeof useFeedback> }) {
  const qc = useQueryClient()
  useLivePeople()
  const navigate = useNavigate()
  const q = useQuery({ queryKey: ['contacts'], queryFn: api.list })
  const [filter, setFilter] = useState('')
  const invalidate = () => {
    void qc.invalidateQueries({ queryKey: ['contacts'] })
    void qc.invalidateQueries({ queryKey: ['blocks'] })
    void qc.invalidateQueries({ queryKey: ['conversations'] })
  }
  const remove = useMutation({
    mutationFn: api.remove,
    onSuccess: () => (feedback.ok('Contact removed.'), invalidate()),
    onError: feedback.fail,
  })
  const block = useMutation({
    mutationFn: api.block,
    onSuccess: () => (feedback.ok('Blocked.'), invalidate()),
    onError: feedback.fail,
  })
  const list = (q.data ?? []).map((c) => ({ c, p: contactPerson(c as Record<string, unknown>) }))
  const needle = filter.trim().toLowerCase()
  const shown = list.filter(
    ({ p }) =>
      !needle ||
      p.name.toLowerCase().includes(needle) ||
      (p.personId ?? '').includes(needle) ||
      (p.username ?? '').toLowerCase().includes(needle),
  )
  return (
    <section className="card" aria-labelledby="contacts-title">
      <div className="row row--between">
        <h2 id="contacts-title">Contacts</h2>
        <div>
          <label htmlFor="contact-filter" className="sr-only">
            Filter contacts
          </label>
          <input
            id="contact-filter"
            type="search"
            placeholder="Filter contacts"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        </div>
      </div>
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data?.length === 0 && (
        <p className="muted">No contacts yet. Search someone’s person ID and invite them.</p>
      )}
      <ul className="card-list" aria-label="Contact list">
        {shown.map(({ c, p }) => (
          <li key={p.personId ?? p.userId} className="row row--between row--wrap">
            <PersonLine p={p} />
            <div className="row">
              {c.room_id && (
                <button
                  type="button"
                  className="btn btn--primary"
                  onClick={() => navigate(`/chats/${c.room_id}`)}
                >
                  Message
                </button>
              )}
              <button
                type="button"
                className="btn btn--ghost"
                onClick={() => p.personId && remove.mutate(p.personId)}
              >
                Remove contact
              </button>
              <button
                type="button"
                className="btn btn--ghost"
                onClick={() => p.personId && block.mutate(p.personId)}
              >
                Block
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}

function blockedPerson(b: Block): PersonView {
  const inner = (b.blocked ?? b.user ?? b.blocked_user ?? b.profile) as Record<string, unknown> | undefined
  const p = personFrom(inner ?? b)
  if (!p.personId) p.personId = (b.person_id ?? b.blocked_person_id) as string | undefined
  return p
}

function Blocks({ feedback }: { feedback: ReturnType<typeof useFeedback> }) {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['blocks'], queryFn: api.blocks })
  const unblock = useMutation({
    mutationFn: api.unblock,
    onSuccess: () => {
      feedback.ok('Unblocked.')
      void qc.invalidateQueries({ queryKey: ['blocks'] })
    },
    onError: feedback.fail,
  })
  return (
    <section className="card" aria-labelledby="blocks-title">
      <h2 id="blocks-title">Blocked</h2>
      {q.data?.length === 0 && <p className="muted">You have not blocked anyone.</p>}
      <ul className="card-list" aria-label="Blocked people">
        {q.data?.map((b) => {
          const p = blockedPerson(b)
          return (
            <li key={p.personId ?? p.userId} className="row row--between">
              <PersonLine p={p} />
              <button
                type="button"
                className="btn btn--ghost"
                onClick={() => p.personId && unblock.mutate(p.personId)}
              >
                Unblock
              </button>
            </li>
          )
        })}
      </ul>
    </section>
  )
}

export function PeoplePage() {
  const feedback = useFeedback()
  return (
    <main className="page">
      <header className="page__header">
        <h1>People</h1>
      </header>
      <div aria-live="polite">
        <FormMessage error={feedback.msg.error} success={feedback.msg.success} />
      </div>
      <div className="grid-2">
        <div className="stack">
          <MyId />
          <Search feedback={feedback} />
          <NameSearch feedback={feedback} />
          <Invites feedback={feedback} />
        </div>
        <div className="stack">
          <Contacts feedback={feedback} />
          <Blocks feedback={feedback} />
        </div>
      </div>
    </main>
  )
}
