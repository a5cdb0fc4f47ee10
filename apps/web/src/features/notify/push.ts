/**
 * Web Push for this browser: the service worker (public/sw.js) shows a notification when the
 * server pushes one, which it does only while none of my tabs holds a live socket (a closed tab
 * still notifies). Best effort: a browser without a push service (or a headless one) simply
 * keeps the in-page notifications.
 */
import { chat } from '../../lib/endpoints'

const SUBSCRIPTION_KEY = 'parley.push-subscription'
/** Set for the session once this browser turned out to have no push service: no more automatic tries. */
const UNAVAILABLE_KEY = 'parley.push-unavailable'

function supported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/')
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false
  const x = new Uint8Array(a)
  return x.every((v, i) => v === b[i])
}

/**
 * Registers the service worker and this browser's push subscription for the signed-in user
 * (idempotent: the server keys it by endpoint, so after a different sign-in it moves to them).
 */
export async function enablePush(options: { automatic?: boolean } = {}): Promise<boolean> {
  if (!supported()) return false
  if (options.automatic && sessionStorage.getItem(UNAVAILABLE_KEY)) return false
  try {
    const registration = await navigator.serviceWorker.register('/sw.js')
    const { public_key } = await chat.vapidKey()
    const key = keyBytes(public_key)
    let subscription = await registration.pushManager.getSubscription()
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe()
      subscription = null
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    })
    const saved = await chat.subscribePush(subscription.toJSON())
    localStorage.setItem(SUBSCRIPTION_KEY, saved.id)
    sessionStorage.removeItem(UNAVAILABLE_KEY)
    return true
  } catch {
    sessionStorage.setItem(UNAVAILABLE_KEY, '1')
    // @NOTE No push service here (headless browsers, some privacy modes): in-page notifications still work.
    return false
  }
}

/** Forgets this browser's subscription, here and on the server (notifications off, or signing out). */
export async function disablePush(): Promise<void> {
  const id = localStorage.getItem(SUBSCRIPTION_KEY)
  localStorage.removeItem(SUBSCRIPTION_KEY)
  try {
    if (supported()) {
      const registration = await navigator.serviceWorker.getRegistration()
      await (await registration?.pushManager.getSubscription())?.unsubscribe()
    }
    if (id) await chat.unsubscribePush(id)
  } catch {
    // Gone already, or offline: the server deletes it when the push service answers 410.
  }
}
