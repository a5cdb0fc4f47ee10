import type { Config, ServiceModule } from '@parley/platform'

export const SERVICE_NAMES = ['auth', 'profile', 'contacts', 'chat', 'gateway'] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

/** Loads service modules by name; each service package exports one ServiceModule. */
export async function loadServices(
  names: readonly ServiceName[],
  options: { webDist?: string; upstreams?: Config['upstreams'] } = {},
): Promise<ServiceModule[]> {
  const modules: ServiceModule[] = []
  for (const name of names) {
    switch (name) {
      case 'auth':
        modules.push((await import('@parley/auth')).authService)
        break
      case 'profile':
        modules.push((await import('@parley/profile')).profileService)
        break
      case 'contacts':
        modules.push((await import('@parley/contacts')).contactsService)
        break
      case 'chat':
        modules.push((await import('@parley/chat')).chatService)
        break
      case 'gateway':
        modules.push((await import('@parley/gateway')).createGatewayService(options))
        break
    }
  }
  return modules
}
