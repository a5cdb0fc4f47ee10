import {
  MuteBodySchema,
  MuteStateSchema,
  NotificationSettingsBodySchema,
  NotificationSettingsSchema,
  PushSubscriptionBodySchema,
  PushSubscriptionSchema,
  VapidKeySchema,
} from '@parley/contracts'
import {
  type App,
  authenticate,
  bearerAuth,
  pageOf,
  pageOffset,
  PageQuerySchema,
  principalOf,
  toPage,
} from '@parley/platform'
import { z } from 'zod'

import { getSettings, type NotificationsDeps, setMuted, updateSettings } from './notifications.service'
import { listSubscriptions, type PushDeps, subscribe, unsubscribe, vapidPublicKey } from './push.service'

const tags = ['chat']
const IdParams = z.object({ id: z.string() }).strict()

/** Mute, do-not-disturb and Web Push subscriptions (issue 18). */
export function notificationRoutes(ctx: NotificationsDeps & PushDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.put(
      '/api/chat/conversations/:id/mute/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Mute or unmute a conversation for me, on every device (members only)',
          security: bearerAuth,
          params: IdParams,
          body: MuteBodySchema,
          response: { 200: MuteStateSchema },
        },
      },
      async (req) => setMuted(ctx, principalOf(req), req.params.id, req.body.muted),
    )
    app.get(
      '/api/chat/notifications/settings/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'My notification settings (do-not-disturb)',
          security: bearerAuth,
          response: { 200: NotificationSettingsSchema },
        },
      },
      async (req) => getSettings(ctx, principalOf(req)),
    )
    app.put(
      '/api/chat/notifications/settings/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Turn do-not-disturb on or off, on every device',
          security: bearerAuth,
          body: NotificationSettingsBodySchema,
          response: { 200: NotificationSettingsSchema },
        },
      },
      async (req) => updateSettings(ctx, principalOf(req), { doNotDisturb: req.body.do_not_disturb }),
    )
    app.get(
      '/api/chat/push/vapid-public-key/',
      {
        ...auth,
        schema: {
          tags,
          summary: "The server's VAPID public key, for pushManager.subscribe()",
          security: bearerAuth,
          response: { 200: VapidKeySchema },
        },
      },
      async () => vapidPublicKey(ctx),
    )
    app.get(
      '/api/chat/push/subscriptions/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'My Web Push subscriptions (one per browser)',
          security: bearerAuth,
          querystring: PageQuerySchema.strict(),
          response: { 200: pageOf(PushSubscriptionSchema) },
        },
      },
      async (req) => {
        const { count, results } = await listSubscriptions(ctx, principalOf(req), pageOffset(req.query))
        return toPage(req.url, req.query, count, results)
      },
    )
    app.post(
      '/api/chat/push/subscriptions/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Subscribe this browser to Web Push (201; 200 when its endpoint was known)',
          security: bearerAuth,
          body: PushSubscriptionBodySchema,
          response: { 200: PushSubscriptionSchema, 201: PushSubscriptionSchema },
        },
      },
      async (req, reply) => {
        const { created, subscription } = await subscribe(ctx, principalOf(req), req.body)
        return reply.code(created ? 201 : 200).send(subscription)
      },
    )
    app.delete(
      '/api/chat/push/subscriptions/:id/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Unsubscribe (mine only)',
          security: bearerAuth,
          params: IdParams,
          response: { 204: z.null().describe('Deleted') },
        },
      },
      async (req, reply) => {
        await unsubscribe(ctx, principalOf(req), req.params.id)
        return reply.code(204).send(null)
      },
    )
  }
}
