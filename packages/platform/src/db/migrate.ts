import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely'

import type { Db } from './database'

export type { Migration }
export type Migrations = Record<string, Migration>

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Migrations) {}
  async getMigrations() {
    return this.migrations
  }
}

/**
 * Applies a service's migrations to its own schema. Kysely's migrator holds a
 * PostgreSQL advisory lock, so several nodes starting at once apply each migration once.
 */
export async function migrateSchema(db: Db, schema: string, migrations: Migrations): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`)
  if (await allApplied(db, schema, migrations)) return []
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
      break
    } catch (err) {
      // @NOTE Two nodes racing on CREATE SCHEMA IF NOT EXISTS can still collide on the catalog's unique index.
      if (attempt >= 3) throw err
    }
  }
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(migrations),
    migrationTableSchema: schema,
    migrationTableName: 'migrations',
    migrationLockTableName: 'migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * The common start on an existing database: one query shows that exactly these migrations are
 * applied, so Kysely's migrator (create schema, two tables, lock row, advisory lock, select —
 * a dozen round trips per schema) is skipped. Anything else (no table yet, a pending migration,
 * an applied one this code does not know) goes through the migrator, which applies or reports it.
 */
async function allApplied(db: Db, schema: string, migrations: Migrations): Promise<boolean> {
  const names = Object.keys(migrations)
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.id(schema, 'migrations')}`.execute(db)
    return rows.length === names.length && rows.every((r) => Object.hasOwn(migrations, r.name))
  } catch {
    return false
  }
}
