import { isIP } from 'node:net'

import type { PushSubscriptionBody, PushSubscriptionWire, VapidKeyWire } from '@parley/contracts'
import { fieldError, isUuid, newId } from '@parley/platform'

import type { ChatDb, PushSubscriptionRow } from '../db/schema'
import { pushSubscriptionNotFound } from '../errors'
import type { Caller } from '../participants/membership'
import {
  deleteSubscriptionOf,
  storedVapidKeys,
  subscriptionsOfUser,
  trimSubscriptions,
  upsertSubscription,
  type VapidPair,
} from './push.repository'
import { generateVapidPair } from './push-sender'

/** Browsers (push subscriptions) one user may have; a new one beyond replaces the oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 20

/** What the push endpoints use. */
export interface PushDeps {
  db: ChatDb
  vapidKeys: () => Promise<VapidPair>
  /** Production accepts only https endpoints on a host name (no IP literal, no localhost). */
  isProduction: boolean
}

/**
 * The VAPID pair: VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY when set, else one generated once and kept
 * in `chat.secrets` (like the attachment URL key), so every node signs with the same pair.
 */
export function vapidSource(db: ChatDb, configured: { vapidPublicKey?: string; vapidPrivateKey?: string }) {
  let keys: Promise<VapidPair> | undefined
  return () => {
    if (configured.vapidPublicKey && configured.vapidPrivateKey)
      return Promise.resolve({ publicKey: configured.vapidPublicKey, privateKey: configured.vapidPrivateKey })
    keys ??= storedVapidKeys(db, generateVapidPair).catch((err: unknown) => {
      keys = undefined
      throw err
    })
    return keys
  }
}

export async function vapidPublicKey(deps: PushDeps): Promise<VapidKeyWire> {
  return { public_key: (await deps.vapidKeys()).publicKey }
}

/**
 * The server POSTs to whatever endpoint a browser gave it, so in production it must look like
 * a push service: https on a host name. @NOTE This does not stop a name that resolves to a
 * private address; push services' hosts are public, and the request carries nothing but an
 * encrypted body.
 */
function checkEndpoint(endpoint: string, isProduction: boolean) {
  const u = new URL(endpoint)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (u.username || u.password) throw fieldError('endpoint', 'Must not carry credentials.')
  if (isProduction) {
    if (u.protocol !== 'https:') throw fieldError('endpoint', 'Must be an https URL.')
    if (isIP(host) || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))
      throw fieldError('endpoint', 'Must be a push service on a public host name.')
  } else if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw fieldError('endpoint', 'Must be an http(s) URL.')
}

function presentSubscription(r: PushSubscriptionRow): PushSubscriptionWire {
  return { id: r.id, endpoint: r.endpoint, created_at: new Date(r.created_at).toISOString() }
}

/** Saves this browser's subscription for the caller (201), or refreshes it (200). */
export async function subscribe(deps: PushDeps, caller: Caller, body: PushSubscriptionBody) {
  checkEndpoint(body.endpoint, deps.isProduction)
  if (Buffer.from(body.keys.p256dh, 'base64url').length !== 65)
    throw fieldError('keys.p256dh', 'Must be an uncompressed P-256 public key (65 bytes).')
  if (Buffer.from(body.keys.auth, 'base64url').length !== 16)
    throw fieldError('keys.auth', 'Must be 16 bytes.')
  const { row, created } = await upsertSubscription(deps.db, {
    id: newId(),
    tenantId: caller.tenantId,
    userId: caller.userId,
    endpoint: body.endpoint,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
  })
  // @NOTE Each message may be pushed to every subscription: a bound keeps one account from
  // making the server POST to an unbounded list of URLs.
  if (created) await trimSubscriptions(deps.db, caller.userId, MAX_SUBSCRIPTIONS_PER_USER)
  return { created, subscription: presentSubscription(row) }
}

export async function listSubscriptions(
  deps: PushDeps,
  caller: Caller,
  q: { limit: number; offset: number },
) {
  const { count, rows } = await subscriptionsOfUser(deps.db, caller.userId, q)
  return { count, results: rows.map(presentSubscription) }
}

/** Deletes one of the caller's subscriptions; anyone else's is a 404, as if it did not exist. */
export async function unsubscribe(deps: PushDeps, caller: Caller, id: string) {
  if (!isUuid(id) || !(await deleteSubscriptionOf(deps.db, caller.userId, id)))
    throw pushSubscriptionNotFound(id)
}
