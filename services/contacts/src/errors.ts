import { AppError } from '@parley/platform'

/** Problem factories of the contacts service, one per problem `type`. */

/** No such person in the caller's tenant, or one who blocked the caller (indistinguishable on purpose). */
export const personNotFound = (personId: string) =>
  new AppError(404, 'person-not-found', 'Person not found', `No person with person_id ${personId}.`)

export const inviteNotFound = (id: string) =>
  new AppError(404, 'invite-not-found', 'Invite not found', `No invite ${id}.`)

export const contactNotFound = (personId: string) =>
  new AppError(404, 'contact-not-found', 'Contact not found', `No contact with person_id ${personId}.`)

export const blockNotFound = (personId: string) =>
  new AppError(404, 'block-not-found', 'Block not found', `You have not blocked person_id ${personId}.`)

export const cannotInviteSelf = () =>
  new AppError(400, 'cannot-invite-self', 'Cannot invite yourself', 'You cannot invite yourself.', {
    person_id: ['You cannot invite yourself.'],
  })

export const cannotBlockSelf = () =>
  new AppError(400, 'cannot-block-self', 'Cannot block yourself', 'You cannot block yourself.', {
    person_id: ['You cannot block yourself.'],
  })

export const invitePending = (inviteId: string) =>
  new AppError(
    409,
    'invite-already-pending',
    'Invite already pending',
    `You already invited this person (invite ${inviteId}).`,
  )

export const alreadyContacts = () =>
  new AppError(409, 'already-contacts', 'Already a contact', 'This person is already one of your contacts.')

export const youBlockedThem = () =>
  new AppError(409, 'person-blocked', 'Person blocked', 'You blocked this person; unblock them first.')

export const inviteNotPending = (id: string, status: string) =>
  new AppError(409, 'invite-not-pending', 'Invite not pending', `Invite ${id} is already ${status}.`)
