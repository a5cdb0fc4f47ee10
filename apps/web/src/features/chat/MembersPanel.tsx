import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate } from 'react-router'

import { Avatar } from '../../components/Avatar'
import { FormMessage } from '../../components/Field'
import { ApiError, errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import type { Conversation, DirectPeer, Participant, Role } from '../../lib/types'
import { participantName, useDirectory } from './directory'

interface Props {
  conversation: Conversation
  participants: Array<Participant | DirectPeer>
  myRole: Role
  meId: string | null
  onClose(): void
}

export function MembersPanel({ conversation: c, participants, myRole, meId, onClose }: Props) {
  const qc = useQueryClient()
  const dir = useDirectory({ fresh: true })
  const navigate = useNavigate()
  const [name, setName] = useState(c.name ?? '')
  const [nameError, setNameError] = useState<string>()
  const [addId, setAddId] = useState('')
  const [message, setMessage] = useState<{ error?: string; success?: string }>({})
  const isAdmin = myRole === 'owner' || myRole === 'admin'
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['participants', c.id] })
    void qc.invalidateQueries({ queryKey: ['conversation', c.id] })
    void qc.invalidateQueries({ queryKey: ['conversations'] })
  }
  const fail = (err: unknown) => setMessage({ error: errorMessage(err) })

  const rename = useMutation({
    mutationFn: () => chat.update(c.id, { name: name.trim() }),
    onSuccess: () => {
      setNameError(undefined)
      setMessage({ success: 'Renamed.' })
      refresh()
    },
    onError: (err) =>
      err instanceof ApiError && err.field('name') ? setNameError(err.field('name')) : fail(err),
  })
  const add = useMutation({
    mutationFn: (userId: string) => chat.addParticipant(c.id, userId),
    onSuccess: () => {
      setAddId('')
      setMessage({ success: 'Member added.' })
      refresh()
    },
    onError: fail,
  })
  const remove = useMutation({
    mutationFn: (userId: string) => chat.removeParticipant(c.id, userId),
    onSuccess: () => {
      setMessage({ success: 'Member removed.' })
      refresh()
    },
    onError: fail,
  })
  const setRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => chat.setRole(c.id, userId, role),
    onSuccess: refresh,
    onError: fail,
  })
  const leave = useMutation({
    mutationFn: () => chat.remove(c.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['conversations'] })
      void navigate('/chats')
    },
    onError: fail,
  })

  const memberIds = new Set(participants.map((p) => p.user_id))
  const candidates = dir.contacts.filter((p) => p.userId && !memberIds.has(p.userId))

  return (
    <aside className="members" aria-label="Members">
      <header className="members__head">
        <h3>Members</h3>
        <button type="button" className="btn btn--icon" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </header>
      {isAdmin && (
        <form
          className="stack stack--tight"
          onSubmit={(e) => {
            e.preventDefault()
            if (name.trim()) rename.mutate()
          }}
        >
          <label htmlFor="conv-name">Conversation name</label>
          <div className="row">
            <input
              id="conv-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={!!nameError || undefined}
            />
            <button type="submit" className="btn btn--small" disabled={rename.isPending}>
              Rename
            </button>
          </div>
          {nameError && (
            <p className="field__error" role="alert">
              {nameError}
            </p>
          )}
        </form>
      )}
      <ul className="member-list" aria-label="Member list">
        {participants.map((p) => {
          const n = p.user_id === meId ? `${participantName(p)} (you)` : participantName(p)
          const canManage = isAdmin && p.user_id !== meId && p.role !== 'owner'
          return (
            <li key={p.user_id} className="member">
              <Avatar name={participantName(p)} url={p.avatar_url} size={28} />
              <span className="member__name">
                {n}
                <span className="muted"> · {p.role}</span>
              </span>
              {canManage && (
                <>
                  {myRole === 'owner' && (
                    <select
                      aria-label={`Role of ${participantName(p)}`}
                      value={p.role}
                      onChange={(e) => setRole.mutate({ userId: p.user_id, role: e.target.value as Role })}
                    >
                      <option value="member">member</option>
                      <option value="admin">admin</option>
                    </select>
                  )}
                  <button
                    type="button"
                    className="btn btn--small btn--danger"
                    aria-label={`Remove ${participantName(p)}`}
                    onClick={() => remove.mutate(p.user_id)}
                  >
                    Remove
                  </button>
                </>
              )}
            </li>
          )
        })}
      </ul>
      {isAdmin && (
        <form
          className="stack stack--tight"
          onSubmit={(e) => {
            e.preventDefault()
            if (addId) add.mutate(addId)
          }}
        >
          <label htmlFor="add-member">Add member</label>
          <div className="row">
            <select id="add-member" value={addId} onChange={(e) => setAddId(e.target.value)}>
              <option value="">Choose a contact…</option>
              {candidates.map((p) => (
                <option key={p.userId} value={p.userId}>
                  {p.name}
                  {p.personId ? ` · #${p.personId}` : ''}
                </option>
              ))}
            </select>
            <button type="submit" className="btn btn--small" disabled={!addId || add.isPending}>
              Add
            </button>
          </div>
        </form>
      )}
      <FormMessage error={message.error} success={message.success} />
      <button
        type="button"
        className="btn btn--danger btn--ghost"
        onClick={() => leave.mutate()}
        disabled={leave.isPending}
      >
        {myRole === 'owner' ? 'Delete conversation' : 'Leave conversation'}
      </button>
    </aside>
  )
}
