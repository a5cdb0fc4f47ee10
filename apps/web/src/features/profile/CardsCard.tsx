import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useForm } from 'react-hook-form'

import { CheckboxField, FormMessage, SelectField, TextField } from '../../components/Field'
import { errorMessage } from '../../lib/api'
import { profile as api } from '../../lib/endpoints'
import { applyApiErrors } from '../../lib/form-errors'

const FIELDS = [
  'card_type',
  'card_brand',
  'card_number',
  'card_holder_name',
  'expiry_month',
  'expiry_year',
  'is_default',
] as const

interface Values {
  card_type: string
  card_brand: string
  card_number: string
  card_holder_name: string
  expiry_month: string
  expiry_year: string
  is_default: boolean
}

/** Guess the brand from the leading digits, so the common case needs no choice. */
function guessBrand(n: string): string | null {
  if (/^4/.test(n)) return 'visa'
  if (/^(5[1-5]|2[2-7])/.test(n)) return 'mastercard'
  if (/^3[47]/.test(n)) return 'amex'
  if (/^(60|65|81|82|508)/.test(n)) return /^(6011|65|64[4-9])/.test(n) ? 'discover' : 'rupay'
  if (/^6(011|5|4[4-9])/.test(n)) return 'discover'
  return null
}

function NewCardForm({ onDone }: { onDone(): void }) {
  const qc = useQueryClient()
  const [formError, setFormError] = useState<string | null>(null)
  const year = new Date().getFullYear()
  const { register, handleSubmit, setError, setValue, formState } = useForm<Values>({
    defaultValues: {
      card_type: 'credit',
      card_brand: 'visa',
      card_number: '',
      card_holder_name: '',
      expiry_month: '',
      expiry_year: '',
      is_default: false,
    },
  })
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null)
    try {
      await api.createCard({
        ...v,
        card_number: v.card_number.replace(/\D/g, ''),
        expiry_month: Number(v.expiry_month),
        expiry_year: Number(v.expiry_year),
      })
      void qc.invalidateQueries({ queryKey: ['cards'] })
      onDone()
    } catch (err) {
      setFormError(applyApiErrors(err, setError, FIELDS))
    }
  })
  const e = formState.errors
  const cardNumber = register('card_number', { required: 'Enter the card number' })
  return (
    <form onSubmit={onSubmit} noValidate className="stack" aria-label="New card">
      <div className="row-2">
        <SelectField label="Card type" error={e.card_type?.message} {...register('card_type')}>
          <option value="credit">Credit</option>
          <option value="debit">Debit</option>
          <option value="prepaid">Prepaid</option>
        </SelectField>
        <SelectField label="Card brand" error={e.card_brand?.message} {...register('card_brand')}>
          <option value="visa">Visa</option>
          <option value="mastercard">Mastercard</option>
          <option value="amex">American Express</option>
          <option value="rupay">RuPay</option>
          <option value="discover">Discover</option>
        </SelectField>
      </div>
      <TextField
        label="Card number"
        inputMode="numeric"
        autoComplete="cc-number"
        error={e.card_number?.message}
        {...cardNumber}
        onChange={(ev) => {
          void cardNumber.onChange(ev)
          const brand = guessBrand(ev.target.value.replace(/\D/g, ''))
          if (brand) setValue('card_brand', brand)
        }}
      />
      <TextField
        label="Cardholder name"
        autoComplete="cc-name"
        error={e.card_holder_name?.message}
        {...register('card_holder_name', { required: 'Enter the name on the card' })}
      />
      <div className="row-2">
        <TextField
          label="Expiry month"
          inputMode="numeric"
          placeholder="MM"
          autoComplete="cc-exp-month"
          error={e.expiry_month?.message}
          {...register('expiry_month', {
            required: 'Enter the month (1 to 12)',
            validate: (v) =>
              (/^\d{1,2}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 12) ||
              'Enter a month from 1 to 12',
          })}
        />
        <TextField
          label="Expiry year"
          inputMode="numeric"
          placeholder={String(year + 2)}
          autoComplete="cc-exp-year"
          error={e.expiry_year?.message}
          {...register('expiry_year', {
            required: 'Enter the year',
            validate: (v) => /^\d{4}$/.test(v.trim()) || 'Enter the year with four digits',
          })}
        />
      </div>
      <CheckboxField label="Default card" error={e.is_default?.message} {...register('is_default')} />
      <p className="muted">We never store the full number, and never ask for the CVV.</p>
      <FormMessage error={formError} />
      <div className="row row--end">
        <button type="button" className="btn btn--ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn--primary" disabled={formState.isSubmitting}>
          Save card
        </button>
      </div>
    </form>
  )
}

export function CardsCard() {
  const qc = useQueryClient()
  const q = useQuery({ queryKey: ['cards'], queryFn: api.cards })
  const [adding, setAdding] = useState(false)
  const del = useMutation({
    mutationFn: api.deleteCard,
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['cards'] }),
  })
  const makeDefault = useMutation({
    mutationFn: (id: string) => api.updateCard(id, { is_default: true }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['cards'] }),
  })
  const full = (q.data?.length ?? 0) >= 4
  return (
    <section className="card stack" aria-labelledby="cards-title">
      <div className="row row--between">
        <h2 id="cards-title">Payment cards</h2>
        {!adding && (
          <button
            type="button"
            className="btn"
            onClick={() => setAdding(true)}
            disabled={full}
            title={full ? 'At most 4 cards' : undefined}
          >
            Add card
          </button>
        )}
      </div>
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {adding && <NewCardForm onDone={() => setAdding(false)} />}
      {q.data?.length === 0 && !adding && <p className="muted">No cards yet.</p>}
      <ul className="card-list" aria-label="Card list">
        {q.data?.map((c) => (
          <li key={c.id} className="item-row">
            <div>
              <strong>
                {c.card_brand} {c.card_type}
              </strong>
              {c.is_default && <span className="tag">Default</span>}
              <p className="muted">
                {c.card_number_masked} · {c.card_holder_name} · expires{' '}
                {String(c.expiry_month).padStart(2, '0')}/{c.expiry_year}
              </p>
            </div>
            <div className="row">
              {!c.is_default && (
                <button
                  type="button"
                  className="btn btn--small"
                  onClick={() => makeDefault.mutate(c.id)}
                  aria-label={`Make card ${c.card_number_masked.slice(-4)} default`}
                >
                  Make default
                </button>
              )}
              <button
                type="button"
                className="btn btn--small btn--danger"
                onClick={() => del.mutate(c.id)}
                aria-label={`Delete card ending ${c.card_number_masked.slice(-4)}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      <FormMessage
        error={
          del.isError ? errorMessage(del.error) : makeDefault.isError ? errorMessage(makeDefault.error) : null
        }
      />
    </section>
  )
}
