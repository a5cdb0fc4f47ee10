import type { Server } from 'node:http'
import type { Consumer } from './bus/bus'
import { outboxMigration } from './bus/outbox.migration'
import type { Migrations } from './db/migrate'
import { migrateSchema } from './db/migrate'
import { createHttpApp, type App } from './http/app'
import type { Platform } from './platform'

/** A running service: its routes, its event consumers, and hooks into the server's life. */
export interface ServiceInstance {
  /** A Fastify plugin that registers the service's routes on the shared app. */
  routes: (app: App) => Promise<void>
  consumers?: Consumer[]
  /** Called once the HTTP server exists (e.g. to take WebSocket upgrades). */
  attach?(server: Server): void
  /** Stop taking work and flush (graceful shutdown). */
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
  close(): Promise<void>
}

/**
 * Migrates each service's schema, creates the services, mounts them into one HTTP app and
 * starts the event relay. Does not listen: the caller decides the port.
 */
export async function buildServer(platform: Platform, modules: ServiceModule[]): Promise<Server_> {
  for (const module of modules) {
    if (!module.schema) continue
    await migrateSchema(platform.db, module.schema, {
      '00000000T000000Z-platform-outbox': outboxMigration(module.schema),
      ...module.migrations,
    })
    platform.bus.addOutbox(module.schema)
  }
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
  return {
    app,
    services,
    async close() {
      for (const s of services) await s.close?.()
      await app.close()
      await platform.close()
    },
  }
}
