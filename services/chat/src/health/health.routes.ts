import { type App } from '@parley/platform'
import { z } from 'zod'

export const HealthSchema = z.object({ status: z.literal('ok'), service: z.string() })

/** GET /api/chat/health/ (no authentication). */
export function healthRoutes() {
  return async (app: App) => {
    app.get(
      '/api/chat/health/',
      { schema: { tags: ['chat'], summary: 'Health', response: { 200: HealthSchema } } },
      async () => ({ status: 'ok' as const, service: 'chat' as const }),
    )
  }
}
