// @NOTE Only the light entry here: the platform's main one (Fastify, Kysely, the services) loads
// after PGlite has been started, so that the two overlap.
import { loadConfig, startEmbedded } from '@parley/platform/early'

import type { CommandIo } from './cli/command'
import { loadServices, type ServiceName } from './services'
import { ensureWebBuilt } from './web-build'

/** Starts these services in this process and keeps serving until SIGTERM/SIGINT. */
export async function runServices(names: readonly ServiceName[], io: CommandIo): Promise<undefined> {
  const config = loadConfig()
  // @NOTE PGlite starts on its own thread first (about a second of WASM start-up), then the
  // platform's and services' modules load (TypeScript through tsx, about as long) meanwhile.
  const embedded = config.db.url ? undefined : startEmbedded({ dataDir: config.dataDir })
  const webDist = names.includes('gateway') ? ensureWebBuilt((line) => io.out(line)) : undefined
  const { buildServer, createPlatform } = await import('@parley/platform')
  const [platform, modules] = await Promise.all([
    createPlatform(config, { embedded }),
    loadServices(names, { webDist, upstreams: config.upstreams }),
  ])
  const server = await buildServer(platform, modules)
  await server.app.listen({ port: config.http.port, host: config.http.host })
  // Embedded: `parley backup` reaches this process, which holds PGlite, on a local socket.
  const control = platform.database.pglite
    ? await (
        await import('./backup/control')
      ).startControlChannel({ database: platform.database, dataDir: config.dataDir, log: platform.log })
    : undefined
  // @NOTE From process start, module loading included: what a person waits for.
  const seconds = process.uptime().toFixed(1)
  const storage = config.db.url ? 'PostgreSQL' : `PGlite in ${config.dataDir}`
  io.out(`Parley is running (${config.mode} mode: ${storage}; ${names.join(', ')}; ready in ${seconds} s)`)
  io.out(`  Web app:  ${config.http.publicUrl}/`)
  io.out(`  API docs: ${config.http.publicUrl}/api/docs/`)
  if (!config.isProduction) io.out(`  Mailbox:  ${config.http.publicUrl}/api/dev/mailbox/`)

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    platform.log.info({ signal }, 'shutting down')
    try {
      await control?.close()
      await server.close()
      process.exit(0)
    } catch (err) {
      platform.log.error({ err }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  return undefined
}
