/** Which public path prefixes each service answers (SPEC sections 3-6). The gateway routes by these. */
export const SERVICE_PREFIXES = {
  auth: ['/api/auth', '/.well-known', '/media/avatars', '/api/dev'],
  profile: ['/profiles'],
  contacts: ['/acac'],
  chat: ['/api/chat', '/messages', '/ws/chat'],
} as const

export type RoutedService = keyof typeof SERVICE_PREFIXES

/** Path prefixes that belong to the API, never to the single-page app. */
export const API_PREFIXES = [
  ...Object.values(SERVICE_PREFIXES).flat(),
  '/api/',
  '/health',
  '/ready',
  '/metrics',
]
