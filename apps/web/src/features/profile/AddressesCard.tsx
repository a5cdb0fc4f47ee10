import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useForm } from 'react-hook-form'

import { CheckboxField, FormMessage, SelectField, TextField } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { type Address, profile as api } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'

const TYPES = ['home', 'work', 'billing', 'shipping', 'other'] as const
const FIELDS = [
  'address_type',
  'line1',
  'line2',
  'city',
  'state',
  'zip_code',
  'country',
  'phone_number',
  'is_default',
] as const
/** What the profile service accepts in an address body (never id, created_at, updated_at). */
const EDITABLE = FIELDS
const OPTIONAL = new Set<string>(['line2', 'state', 'zip_code', 'phone_number'])

type Values = Omit<Address, 'id' | 'is_default'> & { is_default: boolean }

const EMPTY: Values = {
  address_type: 'home',
  line1: '',
  line2: '',
  city: '',
  state: '',
  zip_code: '',
  country: '',
  phone_number: '',
  is_default: false,
}

function AddressForm({
  initial,
  onDone,
  submitLabel,
}: {
  initial?: Address
  onDone(): void
  submitLabel: string
}) {
  const qc = useQueryClient()
  const [formError, setFormError] = useState<string | null>(null)
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    defaultValues: initial
      ? {
          ...EMPTY,
          ...Object.fromEntries(FIELDS.map((k) => [k, initial[k] ?? ''])),
          is_default: !!initial.is_default,
        }
      : EMPTY,
  })
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null)
    const clean = { ...v, country: v.country.trim().toUpperCase() }
    let body: Partial<Omit<Address, 'id'>>
    if (initial) {
      // PATCH: only the editable fields the user changed; a cleared optional one becomes null.
      const before = Object.fromEntries(
        FIELDS.map((k) => [k, k === 'is_default' ? !!initial.is_default : (initial[k] ?? '')]),
      ) as Record<string, unknown>
      body = Object.fromEntries(
        EDITABLE.filter((k) => clean[k] !== before[k]).map((k) => {
          const val = clean[k]
          return [k, typeof val === 'string' && val.trim() === '' && OPTIONAL.has(k) ? null : val]
        }),
      )
    } else {
      // POST: every required field, optional ones only when filled in.
      body = Object.fromEntries(
        EDITABLE.filter(
          (k) => !(OPTIONAL.has(k) && typeof clean[k] === 'string' && clean[k].trim() === ''),
        ).map((k) => [k, clean[k]]),
      )
    }
    try {
      if (initial) await api.updateAddress(initial.id, body)
      else await api.createAddress(body as Omit<Address, 'id'>)
      void qc.invalidateQueries({ queryKey: ['addresses'] })
      onDone()
    } catch (err) {
      setFormError(applyApiErrors(err, setError, FIELDS))
    }
  })
  const e = formState.errors
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="stack"
      aria-label={initial ? 'Edit address' : 'New address'}
    >
      <SelectField label="Address type" error={e.address_type?.message} {...register('address_type')}>
        {TYPES.map((t) => (
          <option key={t} value={t}>
            {t[0].toUpperCase() + t.slice(1)}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Address line 1"
        error={e.line1?.message}
        {...register('line1', { validate: (v) => !!v.trim() || 'Enter the street address' })}
      />
      <TextField label="Address line 2" error={e.line2?.message} {...register('line2')} />
      <div className="row-2">
        <TextField
          label="City"
          error={e.city?.message}
          {...register('city', { validate: (v) => !!v?.trim() || 'Enter the city' })}
        />
        <TextField label="State" error={e.state?.message} {...register('state')} />
      </div>
      <div className="row-2">
        <TextField label="ZIP code" error={e.zip_code?.message} {...register('zip_code')} />
        <TextField
          label="Country"
          hint="Two-letter code, e.g. US, IN, DE"
          maxLength={2}
          error={e.country?.message}
          {...register('country', { required: 'Enter the country code' })}
        />
      </div>
      <TextField
        label="Phone number"
        type="tel"
        placeholder="+14155550123"
        error={e.phone_number?.message}
        {...register('phone_number')}
      />
      <CheckboxField label="Default address" error={e.is_default?.message} {...register('is_default')} />
      <FormMessage error={formError} />
      <div className="row row--end">
        <button type="button" className="btn btn--ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
          {submitLabel}
        </button>
      </div>
    </form>
  )
}

export function AddressesCard() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['addresses'], queryFn: api.addresses })
  const [mode, setMode] = useState<'list' | 'new' | (string & {})>('list')
  const del = useMutation({
    mutationFn: api.deleteAddress,
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['addresses'] }),
  })
  return (
    <section className="card stack" aria-labelledby="addresses-title">
      <div className="row row--between">
        <h2 id="addresses-title">Addresses</h2>
        {mode === 'list' && (
          <button type="button" className="btn" onClick={() => setMode('new')}>
            Add address
          </button>
        )}
      </div>
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {mode === 'new' && <AddressForm onDone={() => setMode('list')} submitLabel="Save address" />}
      {q.data?.length === 0 && mode === 'list' && <p className="muted">No addresses yet.</p>}
      <ul className="card-list" aria-label="Address list">
        {q.data?.map((a) =>
          mode === a.id ? (
            <li key={a.id}>
              <AddressForm initial={a} onDone={() => setMode('list')} submitLabel="Save address" />
            </li>
          ) : (
            <li key={a.id} className="item-row">
              <div>
                <strong>{a.address_type[0].toUpperCase() + a.address_type.slice(1)}</strong>
                {a.is_default && <span className="tag">Default</span>}
                <p className="muted">
                  {[a.line1, a.line2, a.city, a.state, a.zip_code, a.country].filter(Boolean).join(', ')}
                  {a.phone_number ? ` · ${a.phone_number}` : ''}
                </p>
              </div>
              <div className="row">
                <button
                  type="button"
                  className="btn btn--small"
                  onClick={() => setMode(a.id)}
                  aria-label={`Edit ${a.address_type} address`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn--small btn--danger"
                  onClick={() => del.mutate(a.id)}
                  aria-label={`Delete ${a.address_type} address`}
                >
                  Delete
                </button>
              </div>
            </li>
          ),
        )}
      </ul>
      <FormMessage error={del.isError ? errorMessage(del.error) : null} />
    </section>
  )
}
