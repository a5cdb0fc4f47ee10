import { describe, expect, it } from 'vitest'

import { ApiError, errorMessage } from './api'
import { applyApiErrors } from './form-errors'
import { fieldLabel, humanFieldMessage, withoutIds } from './problems'

describe('human problem texts', () => {
  it('answers a known problem type with its sentence, never the internal id', () => {
    const err = new ApiError({
      status: 409,
      type: '/problems/invite-already-pending',
      title: 'Invite already pending',
      detail: 'You already invited this person (invite 01a23ad9-7c1e-4b7f-9a51-0c1d2e3f4a5b).',
    })
    expect(errorMessage(err)).toBe('You already invited this person. They have not answered yet.')
  })

  it('strips ids from an unknown detail', () => {
    expect(withoutIds('Invite 01a23ad9-7c1e-4b7f-9a51-0c1d2e3f4a5b is already accepted.')).toBe(
      'Invite is already accepted.',
    )
    expect(withoutIds('You already invited this person (invite 01a23ad9-7c1e-4b7f-9a51-0c1d2e3f4a5b).')).toBe(
      'You already invited this person.',
    )
  })

  it('rewrites validator messages in plain words', () => {
    expect(humanFieldMessage('Too big: expected number to be <=12')).toBe('Must be 12 or less.')
    expect(humanFieldMessage('Too small: expected number to be >=1')).toBe('Must be 1 or more.')
    expect(humanFieldMessage('Too small: expected string to have >=8 characters')).toBe(
      'Use at least 8 characters.',
    )
    expect(humanFieldMessage('Invalid input: expected string, received undefined')).toBe(
      'This field is required.',
    )
    expect(humanFieldMessage('Use the E.164 format, e.g. +14155550123')).toBe(
      'Use the E.164 format, e.g. +14155550123',
    )
  })

  it('shows a token error as its sentence alone, and other stray fields with a label', () => {
    const setError = () => undefined
    const token = new ApiError({
      status: 400,
      type: '/problems/validation-error',
      title: 'Validation failed',
      errors: { token: ['This reset link is invalid or has expired.'] },
    })
    expect(applyApiErrors(token, setError, ['new_password'])).toBe(
      'This reset link is invalid or has expired.',
    )
    const month = new ApiError({
      status: 400,
      type: '/problems/validation-error',
      title: 'Validation failed',
      errors: { expiry_month: ['Too big: expected number to be <=12'] },
    })
    expect(applyApiErrors(month, setError, ['card_number'])).toBe('Expiry month: Must be 12 or less.')
    expect(fieldLabel('body.items.0')).toBeNull()
  })
})
