/**
 * The one rule for whether a new message deserves a notification (a browser notification while
 * the tab is hidden, or a Web Push when the user has no live socket). The server's push sender
 * and the web client both call it, so a muted conversation or do-not-disturb is honoured the
 * same way everywhere.
 */

export interface NotifyRecipient {
  userId: string
  /** The recipient muted this conversation (on any device). */
  muted: boolean
}

export interface NotifyMessage {
  senderId: string
  conversationType: 'direct' | 'group' | 'channel'
  messageType?: string
  /**
   * The user ids the message mentions, as the server derived them (MessageWire.mentions); an
   * admin's `@here` / `@channel` arrives expanded to every member.
   */
  mentions?: readonly string[] | null
}

export interface NotifySettings {
  doNotDisturb: boolean
}

export type NotifyDecision =
  | { notify: true; reason: 'direct' | 'mention' }
  | { notify: false; reason: 'own' | 'system' | 'muted' | 'do_not_disturb' | 'not_for_me' }

/** Whether `message` mentions `userId`. */
export function mentionsUser(message: NotifyMessage, userId: string): boolean {
  return message.mentions?.includes(userId) ?? false
}

/** Why a message notifies `recipient` or not; see {@link shouldNotify}. */
export function notifyDecision(
  recipient: NotifyRecipient,
  message: NotifyMessage,
  settings: NotifySettings,
): NotifyDecision {
  if (message.senderId === recipient.userId) return { notify: false, reason: 'own' }
  if (message.messageType === 'system') return { notify: false, reason: 'system' }
  if (settings.doNotDisturb) return { notify: false, reason: 'do_not_disturb' }
  if (recipient.muted) return { notify: false, reason: 'muted' }
  if (message.conversationType === 'direct') return { notify: true, reason: 'direct' }
  if (mentionsUser(message, recipient.userId)) return { notify: true, reason: 'mention' }
  return { notify: false, reason: 'not_for_me' }
}

/**
 * True for a direct message or a mention of the recipient, unless it is their own, the
 * conversation is muted, or they are in do-not-disturb.
 * @example shouldNotify({ userId, muted: false }, { senderId, conversationType: 'direct' }, { doNotDisturb: false }) // true
 */
export function shouldNotify(recipient: NotifyRecipient, message: NotifyMessage, settings: NotifySettings) {
  return notifyDecision(recipient, message, settings).notify
}
