import type { FieldValues, Path, UseFormSetError } from 'react-hook-form'

import { ApiError, errorMessage } from './api'
import { fieldLabel, humanFieldMessage } from './problems'

/**
 * Put a problem+json's per-field errors beside the fields of a form; whatever has no field
 * becomes the form-level message that is returned.
 */
export function applyApiErrors<T extends FieldValues>(
  err: unknown,
  setError: UseFormSetError<T>,
  fields: readonly string[],
): string | null {
  if (!(err instanceof ApiError)) return errorMessage(err)
  const rest: string[] = []
  let placed = 0
  for (const [field, messages] of Object.entries(err.fieldErrors)) {
    const key = field.replace(/^body\./, '')
    const human = messages.map(humanFieldMessage)
    if (fields.includes(key)) {
      setError(key as Path<T>, { type: 'server', message: human.join(' ') })
      placed++
    } else {
      const label = fieldLabel(key)
      rest.push(...human.map((m) => (label ? `${label}: ${m}` : m)))
    }
  }
  if (rest.length) return rest.join(' ')
  return placed ? null : errorMessage(err)
}
