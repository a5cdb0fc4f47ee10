import { conflict, notFound } from '@parley/platform'

export const addressNotFound = () => notFound('Address', 'No such address.')

export const cardNotFound = () => notFound('Card', 'No such card.')

export const addressTypeTaken = (type: string) =>
  conflict(
    'address-type-taken',
    'Address type already used',
    `You already have a ${type} address; change that one instead.`,
    {
      address_type: [`You already have a ${type} address.`],
    },
  )

export const cardLimitReached = (max: number) =>
  conflict(
    'card-limit-reached',
    'Card limit reached',
    `You can keep at most ${max} cards; remove one before adding another.`,
  )

export const duplicateCard = () =>
  conflict('duplicate-card', 'Card already saved', 'This card is already saved in your profile.', {
    card_number: ['This card is already saved.'],
  })
