import type { Server } from 'node:http'

import type { Consumer } from './bus/bus'
import { outboxMigration } from './bus/outbox.migration'
import type { Db } from './db/database'
import type { Migrations } from './db/migrate'
import { migrateSchema } from './db/migrate'
import { type App, createHttpApp } from './http/app'
import type { Platform } from './platform'

/** A running service: its routes, its event consumers, and hooks into the server's life. */
export interface ServiceInstance {
  /** A Fastify plugin that registers the service's routes on the shared app. */
  routes: (app: App) => Promise<void>
  consumers?: Consumer[]
  /** Called once the HTTP server exists (e.g. to take WebSocket upgrades). */
  attach?(server: Server): void
  /**
   * Graceful shutdown, called after the node has stopped accepting connections and before the
   * HTTP server waits for the open ones: stop taking work, flush pending commits, close sockets
   * (WebSockets with 1012 "service restart", so clients reconnect to another node).
   */
  close?(): Promise<void>
}

/** What each service package exports (STYLE.md: "services are plugins, and one thin entry runs them"). */
export interface ServiceModule {
  name: 'auth' | 'profile' | 'contacts' | 'chat' | 'gateway'
  /** Its own PostgreSQL schema; undefined for services without tables. */
  schema?: string
  migrations?: Migrations
  create(platform: Platform): Promise<ServiceInstance> | ServiceInstance
}

export interface Server_ {
  app: App
  services: ServiceInstance[]
  /**
   * Graceful shutdown (SIGTERM): readiness turns false, then after SHUTDOWN_DELAY the listener
   * stops accepting, the services close (sockets told to reconnect elsewhere, commits flushed),
   * in-flight requests finish, and the platform closes. Bounded by SHUTDOWN_TIMEOUT.
   */
  close(): Promise<void>
}

/**
 * Migrates each service's schema, creates the services, mounts them into one HTTP app and
 * starts the event relay. Does not listen: the caller decides the port.
 */
export async function buildServer(platform: Platform, modules: ServiceModule[]): Promise<Server_> {
  await migrateServices(platform.db, modules)
  for (const module of modules) if (module.schema) platform.bus.addOutbox(module.schema)
  const app = await createHttpApp(platform)
  const services: ServiceInstance[] = []
  for (const module of modules) {
    const instance = await module.create(platform)
    services.push(instance)
    for (const consumer of instance.consumers ?? []) platform.bus.subscribe(consumer)
    await app.register(instance.routes)
  }
  await app.ready()
  for (const s of services) s.attach?.(app.server)
  platform.bus.start()
  let closing: Promise<void> | undefined
  return {
    app,
    services,
    close() {
      // @NOTE Idempotent: SIGTERM then SIGINT (or a test's own cleanup) must not close twice.
      return (closing ??= shutdown())
    },
  }
  async function shutdown() {
    const { delayMs, timeoutMs } = platform.config.shutdown
    const deadline = Date.now() + timeoutMs
    platform.beginShutdown()
    if (delayMs > 0) await sleep(delayMs)
    // @NOTE Stop accepting first, so sockets told to reconnect cannot land on this node again.
    if (app.server.listening) app.server.close()
    app.server.closeIdleConnections()
    for (const s of services) {
      await within(s.close?.(), deadline, () =>
        platform.log.warn('a service did not close in time; closing anyway'),
      )
    }
    await within(app.close(), deadline, () => {
      platform.log.warn('open connections did not finish in time; closing them')
      app.server.closeAllConnections()
    })
    await platform.close()
  }
}

/** Every migration of a service's schema, the platform's outbox first (what a start applies). */
export function serviceMigrations(module: ServiceModule & { schema: string }): Migrations {
  return { '00000000T000000Z-platform-outbox': outboxMigration(module.schema), ...module.migrations }
}

/** Applies each service's migrations to its schema (start-up, and `parley restore`/`migrate` on their target). */
export async function migrateServices(db: Db, modules: readonly ServiceModule[]): Promise<void> {
  for (const module of modules) {
    if (module.schema)
      await migrateSchema(db, module.schema, serviceMigrations({ ...module, schema: module.schema }))
  }
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms))
}

/** Waits for `work` until `deadline`; past it, runs `onTimeout` and waits no longer for `work`. */
async function within(work: Promise<unknown> | undefined, deadline: number, onTimeout: () => void) {
  if (!work) return
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>(
    (r) => (timer = setTimeout(() => r('late'), Math.max(0, deadline - Date.now()))),
  )
  const outcome = await Promise.race([work.then(() => 'done' as const), late])
  clearTimeout(timer)
  if (outcome === 'late') onTimeout()
}
