import { ReceiptSchema } from '@parley/contracts'
import { type App, authenticate, bearerAuth, principalOf } from '@parley/platform'
import { z } from 'zod'

import { markRead, type ReceiptsDeps } from './receipts.service'

const tags = ['chat']
const IdParams = z.object({ id: z.uuid() }).strict()

/** Read receipts under /api/chat/conversations/:id/read/. */
export function receiptRoutes(ctx: ReceiptsDeps) {
  return async (app: App) => {
    const auth = { preHandler: authenticate }
    app.post(
      '/api/chat/conversations/:id/read/',
      {
        ...auth,
        schema: {
          tags,
          summary: 'Read receipt (answers my read position; it never moves back)',
          security: bearerAuth,
          params: IdParams,
          body: z.object({ up_to_seq: z.number().int().min(0) }).strict(),
          response: { 200: ReceiptSchema },
        },
      },
      async (req) => markRead(ctx, principalOf(req), req.params.id, req.body.up_to_seq),
    )
  }
}
