import { z } from 'zod'

/**
 * Notification settings the chat service keeps for each user (issue 18): per-conversation mute,
 * a do-not-disturb switch, and Web Push subscriptions. Every device reads them from the server
 * (and is told of changes by the `conversation_muted` / `notification_settings` frames), so a
 * conversation muted on the phone is quiet in the browser too.
 */

export const MuteBodySchema = z
  .object({
    /** true mutes the conversation for the caller (on every device); false unmutes it. */
    muted: z.boolean(),
  })
  .strict()
export type MuteBody = z.infer<typeof MuteBodySchema>

export const MuteStateSchema = z.object({
  conversation_id: z.string(),
  muted: z.boolean(),
})
export type MuteStateWire = z.infer<typeof MuteStateSchema>

export const NotificationSettingsBodySchema = z
  .object({
    /** While true, no notification of any kind (browser or push) is shown on any device. */
    do_not_disturb: z.boolean(),
  })
  .strict()
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBodySchema>

export const NotificationSettingsSchema = z.object({
  do_not_disturb: z.boolean(),
  /** When the settings last changed; null while they are the defaults. */
  updated_at: z.string().nullable(),
})
export type NotificationSettingsWire = z.infer<typeof NotificationSettingsSchema>

/** Base64url, as `PushSubscription.toJSON()` gives the keys. */
const Base64Url = z
  .string()
  .min(16)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+=*$/, 'Must be base64url.')

/** The browser's `PushSubscription.toJSON()`, as the web client posts it. */
export const PushSubscriptionBodySchema = z
  .object({
    endpoint: z.string().url().max(1000),
    /** Set by some browsers; ignored (the server keeps a subscription until the push service says 404/410). */
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        /** The browser's P-256 public key (65 bytes, uncompressed). */
        p256dh: Base64Url,
        /** The 16-byte authentication secret. */
        auth: Base64Url,
      })
      .strict(),
  })
  .strict()
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBodySchema>

export const PushSubscriptionSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  created_at: z.string(),
})
export type PushSubscriptionWire = z.infer<typeof PushSubscriptionSchema>

export const VapidKeySchema = z.object({
  /** The VAPID public key (base64url, uncompressed P-256) for `pushManager.subscribe({ applicationServerKey })`. */
  public_key: z.string(),
})
export type VapidKeyWire = z.infer<typeof VapidKeySchema>

/**
 * What a push message carries (encrypted end to end to the browser): who and where, never the
 * message text, so a lock screen or a push service's logs never show what was written.
 */
export interface PushPayload {
  type: 'message'
  conversation_id: string
  message_id: string
  seq: number
  title: string
  body: string
  /** Where a click on the notification leads. */
  url: string
}
