// @NOTE Only the light entry here: the platform's main one (Fastify, Kysely, the services) loads
// after PGlite has been started, so that the two overlap.
import { ConfigError, DataDirLockedError, EmbeddedDatabaseError, loadConfig, redactCredentials, startEmbedded } from '@parley/platform/early'
import { SERVICE_NAMES, loadServices, type ServiceName } from './services'
import { ensureWebBuilt } from './web-build'

const USAGE = `Usage:
  parley start                      every service in one process (the default)
  parley serve <service> [...]      only these services (${SERVICE_NAMES.join(', ')})
  parley tenants create <slug>      create a tenant (for TENANT_SIGNUP=closed)`

const print = (line: string) => process.stdout.write(`${line}\n`)
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

async function serve(names: readonly ServiceName[]) {
  const config = loadConfig()
  // @NOTE PGlite starts on its own thread first (about a second of WASM start-up), then the
  // platform's and services' modules load (TypeScript through tsx, about as long) meanwhile.
  const embedded = config.db.url ? undefined : startEmbedded({ dataDir: config.dataDir })
  const webDist = names.includes('gateway') ? ensureWebBuilt(print) : undefined
  const { buildServer, createPlatform } = await import('@parley/platform')
  const [platform, modules] = await Promise.all([
    createPlatform(config, { embedded }),
    loadServices(names, { webDist, upstreams: config.upstreams }),
  ])
  const server = await buildServer(platform, modules)
  await server.app.listen({ port: config.http.port, host: config.http.host })
  // @NOTE From process start, module loading included: what a person waits for.
  const seconds = process.uptime().toFixed(1)
  const storage = config.db.url ? 'PostgreSQL' : `PGlite in ${config.dataDir}`
  print(`Parley is running (${config.mode} mode: ${storage}; ${names.join(', ')}; ready in ${seconds} s)`)
  print(`  Web app:  ${config.http.publicUrl}/`)
  print(`  API docs: ${config.http.publicUrl}/api/docs/`)
  if (!config.isProduction) print(`  Mailbox:  ${config.http.publicUrl}/api/dev/mailbox/`)

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    platform.log.info({ signal }, 'shutting down')
    try {
      await server.close()
      process.exit(0)
    } catch (err) {
      platform.log.error({ err }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

async function tenantsCreate(slug: string | undefined) {
  if (!slug) fail(USAGE)
  const config = loadConfig()
  const { buildServer, createPlatform } = await import('@parley/platform')
  const platform = await createPlatform(config)
  const [auth] = await loadServices(['auth'])
  await buildServer(platform, [auth]).then((s) => s.app.close())
  const { createTenant } = await import('@parley/auth')
  const tenant = await createTenant(platform.db, slug!)
  print(`Tenant ${tenant.slug} created (${tenant.id}).`)
  await platform.close()
}

async function main(argv: string[]) {
  const [command = 'start', ...rest] = argv
  switch (command) {
    case 'start':
      return serve(SERVICE_NAMES)
    case 'serve': {
      const names = rest.length ? rest : [...SERVICE_NAMES]
      const unknown = names.filter((n) => !SERVICE_NAMES.includes(n as ServiceName))
      if (unknown.length) fail(`Unknown service ${unknown.join(', ')}.\n${USAGE}`)
      return serve(names as ServiceName[])
    }
    case 'tenants':
      if (rest[0] === 'create') return tenantsCreate(rest[1])
      return fail(USAGE)
    default:
      return fail(USAGE)
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError) fail(`${err.message}\nFix the variables above (see README.md, "Configuration") and start again.`)
  if (err instanceof DataDirLockedError || err instanceof EmbeddedDatabaseError) fail(err.message)
  if (err?.code === 'EADDRINUSE') fail(`Port ${err.port ?? ''} is already in use. Stop the other process or set PORT to a free port.`)
  if (err?.code === 'ECONNREFUSED') fail(`Could not connect to ${err.address}:${err.port}. Is the database (DATABASE_URL) or Redis (REDIS_URL) running?`)
  // @NOTE A driver's error may quote its connection string: never print a password.
  process.stderr.write(`Parley failed to start: ${redactCredentials(String(err?.stack ?? err))}\n`)
  process.exit(1)
})
