import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useNavigate } from 'react-router'

import { Dialog } from '../../components/Dialog'
import { CheckboxField, FormMessage, TextField } from '../../components/Field'
import { ApiError, errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import { useDirectory } from './directory'

export function NewConversationDialog({
  type: initialType,
  onClose,
}: {
  type: 'group' | 'channel'
  onClose: () => void
}) {
  const dir = useDirectory({ fresh: true })
  const qc = useQueryClient()
  const navigate = useNavigate()
  const [type, setType] = useState(initialType)
  const [name, setName] = useState('')
  const [isPublic, setIsPublic] = useState(false)
  const [selected, setSelected] = useState<string[]>([])
  const [nameError, setNameError] = useState<string>()
  const nameRef = useRef<HTMLInputElement>(null)
  useEffect(() => nameRef.current?.focus(), [])

  const create = useMutation({
    mutationFn: () =>
      chat.create({
        type,
        name: name.trim() || undefined,
        participant_ids: selected,
        ...(type === 'channel' ? { is_public: isPublic } : {}),
      }),
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: ['conversations'] })
      onClose()
      void navigate(`/chats/${c.id}`)
    },
    onError: (err) => setNameError(err instanceof ApiError ? err.field('name') : undefined),
  })

  const selectable = dir.contacts.filter((p) => p.userId)
  return (
    <Dialog title={type === 'group' ? 'New group' : 'New channel'} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault()
          if (!name.trim()) {
            setNameError('Give it a name')
            return
          }
          setNameError(undefined)
          create.mutate()
        }}
      >
        <fieldset className="segmented">
          <legend>Type</legend>
          <label>
            <input
              type="radio"
              name="conv-type"
              checked={type === 'group'}
              onChange={() => setType('group')}
            />{' '}
            Group
          </label>
          <label>
            <input
              type="radio"
              name="conv-type"
              checked={type === 'channel'}
              onChange={() => setType('channel')}
            />{' '}
            Channel
          </label>
        </fieldset>
        <TextField
          ref={nameRef}
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError}
        />
        {type === 'channel' && (
          <CheckboxField
            label="Public channel (anyone in the workspace can find and join it)"
            checked={isPublic}
            onChange={(e) => setIsPublic(e.target.checked)}
          />
        )}
        <fieldset className="pick-list">
          <legend>Members</legend>
          {selectable.length === 0 && <p className="muted">Add contacts first to include them.</p>}
          {selectable.map((p) => (
            <CheckboxField
              key={p.userId}
              label={`${p.name}${p.personId ? ` · #${p.personId}` : ''}`}
              checked={selected.includes(p.userId!)}
              onChange={(e) =>
                setSelected((s) => (e.target.checked ? [...s, p.userId!] : s.filter((x) => x !== p.userId)))
              }
            />
          ))}
        </fieldset>
        <FormMessage error={create.isError && !nameError ? errorMessage(create.error) : null} />
        <div className="row row--end">
          <button type="button" className="btn btn--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={create.isPending}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  )
}
