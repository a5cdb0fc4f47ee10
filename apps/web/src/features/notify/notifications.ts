/**
 * Browser notifications for new messages. Asked for only when the user presses "Enable
 * notifications" (never on load), remembered per browser. Which messages notify is the shared
 * rule of @parley/contracts (direct messages and mentions of me, never when the conversation is
 * muted or do-not-disturb is on, on any device); this file adds when it is worth showing one:
 * while the tab is hidden, or for a conversation that is not on screen.
 */
import { shouldNotify } from '@parley/contracts/notify-policy'
import { useSyncExternalStore } from 'react'

import { disablePush, enablePush } from './push'

const KEY = 'parley.notifications'

type Listener = () => void
const listeners = new Set<Listener>()
const emit = () => listeners.forEach((l) => l())

export type NotifyState = 'unsupported' | 'denied' | 'off' | 'on'

export function notifyState(): NotifyState {
  if (typeof window === 'undefined' || !('Notification' in window)) return 'unsupported'
  if (Notification.permission === 'denied') return 'denied'
  return Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on' ? 'on' : 'off'
}

export function useNotifyState(): NotifyState {
  return useSyncExternalStore((l) => {
    listeners.add(l)
    return () => listeners.delete(l)
  }, notifyState)
}

/**
 * Turns notifications on (asking the browser for permission if it has not been asked) or off.
 * On also subscribes this browser to Web Push, so a closed tab still notifies; off unsubscribes.
 */
export async function setNotifications(on: boolean): Promise<NotifyState> {
  if (notifyState() === 'unsupported') return 'unsupported'
  if (on) {
    const permission =
      Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission()
    if (permission === 'granted') localStorage.setItem(KEY, 'on')
  } else localStorage.setItem(KEY, 'off')
  emit()
  const state = notifyState()
  if (state === 'on') void enablePush()
  else void disablePush()
  return state
}

export interface IncomingMessage {
  conversationId: string
  conversationType: 'direct' | 'group' | 'channel'
  senderId: string
  messageType?: string
  /** The user ids the message mentions (the server's MessageWire.mentions). */
  mentions?: readonly string[] | null
  onScreen: boolean
  title: string
  body: string
}

/** Who is asking, and what the server says about their notifications. */
export interface NotifyContext {
  meId: string | null
  /** This conversation is muted (by me, on any device). */
  muted: boolean
  doNotDisturb: boolean
  tabHidden: boolean
}

/** Whether a message deserves a browser notification now (pure, so it is tested without a browser). */
export function shouldShow(m: IncomingMessage, ctx: NotifyContext): boolean {
  if (!ctx.meId) return false
  const deserves = shouldNotify(
    { userId: ctx.meId, muted: ctx.muted },
    {
      senderId: m.senderId,
      conversationType: m.conversationType,
      messageType: m.messageType,
      mentions: m.mentions,
    },
    { doNotDisturb: ctx.doNotDisturb },
  )
  return deserves && (ctx.tabHidden || !m.onScreen)
}

export function notify(
  m: IncomingMessage,
  ctx: Omit<NotifyContext, 'tabHidden'>,
  open: (conversationId: string) => void,
): void {
  if (notifyState() !== 'on') return
  if (!shouldShow(m, { ...ctx, tabHidden: document.visibilityState === 'hidden' })) return
  const n = new Notification(m.title, {
    body: m.body.length > 140 ? `${m.body.slice(0, 139)}…` : m.body,
    tag: `parley-${m.conversationId}`,
  })
  n.onclick = () => {
    window.focus()
    open(m.conversationId)
    n.close()
  }
}
