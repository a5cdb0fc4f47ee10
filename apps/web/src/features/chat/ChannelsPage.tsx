import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate } from 'react-router'

import { FormMessage } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import { NewConversationDialog } from './NewConversationDialog'

export function ChannelsPage() {
  const qc = useQueryClient()
  const navigate = useNavigate()
  const [creating, setCreating] = useState(false)
  const q = useQuery({ queryKey: ['public-channels'], queryFn: chat.publicChannels })
  const mine = useQuery({ queryKey: ['conversations'], queryFn: () => chat.conversations() })
  const myIds = new Set((mine.data ?? []).map((c) => c.id))
  const join = useMutation({
    mutationFn: (id: string) => chat.join(id),
    onSuccess: (_d, id) => {
      void qc.invalidateQueries({ queryKey: ['conversations'] })
      void navigate(`/chats/${id}`)
    },
  })
  return (
    <main className="page">
      <header className="page__header">
        <h1>Channels</h1>
        <button type="button" className="btn btn--primary" onClick={() => setCreating(true)}>
          New channel
        </button>
      </header>
      <p className="muted">Public channels of your workspace.</p>
      {q.isPending && <p role="status">Loading…</p>}
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data?.length === 0 && <p>No public channels yet.</p>}
      <FormMessage error={join.isError ? errorMessage(join.error) : null} />
      <ul className="card-list" aria-label="Public channels">
        {q.data?.map((c) => (
          <li key={c.id} className="card row row--between">
            <div>
              <strong># {c.name}</strong>
              {c.topic && <p className="muted">{c.topic}</p>}
            </div>
            {myIds.has(c.id) ? (
              <button type="button" className="btn" onClick={() => navigate(`/chats/${c.id}`)}>
                Open
              </button>
            ) : (
              <button
                type="button"
                className="btn btn--primary"
                onClick={() => join.mutate(c.id)}
                disabled={join.isPending}
              >
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {creating && <NewConversationDialog type="channel" onClose={() => setCreating(false)} />}
    </main>
  )
}
