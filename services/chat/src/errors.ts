import { AppError } from '@parley/platform'

export const conversationNotFound = (id?: string) =>
  new AppError(
    404,
    'conversation-not-found',
    'Conversation not found',
    id ? `No conversation ${id}.` : 'No such conversation.',
  )
export const messageNotFound = (id?: string) =>
  new AppError(404, 'message-not-found', 'Message not found', id ? `No message ${id}.` : 'No such message.')
export const participantNotFound = (id?: string) =>
  new AppError(
    404,
    'participant-not-found',
    'Participant not found',
    id ? `No member ${id} in this conversation.` : 'No such member.',
  )
export const attachmentNotFound = () =>
  new AppError(404, 'attachment-not-found', 'Attachment not found', 'No such attachment.')
export const userNotFound = (id: string) =>
  new AppError(404, 'user-not-found', 'User not found', `No user ${id} in your tenant.`)
export const notAllowed = (detail: string) => new AppError(403, 'chat-forbidden', 'Not allowed', detail)
export const conversationReadOnly = () =>
  new AppError(
    403,
    'conversation-read-only',
    'Conversation is read-only',
    'This conversation no longer accepts messages.',
  )
export const notContacts = () =>
  new AppError(
    403,
    'not-contacts',
    'Not contacts',
    'A direct conversation needs exactly one other person who is your contact.',
  )
export const fileTooLarge = (max: number) =>
  new AppError(
    413,
    'payload-too-large',
    'Payload too large',
    `Files may be at most ${Math.round(max / 1024 / 1024)} MB.`,
  )
export const unsupportedFile = () =>
  new AppError(
    415,
    'unsupported-file-type',
    'Unsupported file type',
    'The file content is not an accepted type.',
  )
export const pushSubscriptionNotFound = (id: string) =>
  new AppError(
    404,
    'push-subscription-not-found',
    'Push subscription not found',
    `No push subscription ${id} of yours.`,
  )
