/**
 * Browser notifications for new messages. Asked for only when the user presses "Enable
 * notifications" (never on load), remembered per browser, and shown for a direct message in a
 * conversation that is not on screen, or for any message while the tab is hidden.
 */
import { useSyncExternalStore } from 'react'

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

/** Turns notifications on (asking the browser for permission if it has not been asked) or off. */
export async function setNotifications(on: boolean): Promise<NotifyState> {
  if (notifyState() === 'unsupported') return 'unsupported'
  if (on) {
    const permission =
      Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission()
    if (permission === 'granted') localStorage.setItem(KEY, 'on')
  } else localStorage.setItem(KEY, 'off')
  emit()
  return notifyState()
}

export interface IncomingMessage {
  conversationId: string
  isDirect: boolean
  isMine: boolean
  onScreen: boolean
  title: string
  body: string
}

/** Whether a message deserves a notification (pure, so it is tested without a browser). */
export function shouldNotify(m: IncomingMessage, tabHidden: boolean): boolean {
  if (m.isMine) return false
  if (tabHidden) return true
  return m.isDirect && !m.onScreen
}

export function notify(m: IncomingMessage, open: (conversationId: string) => void): void {
  if (notifyState() !== 'on') return
  if (!shouldNotify(m, document.visibilityState === 'hidden')) return
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
