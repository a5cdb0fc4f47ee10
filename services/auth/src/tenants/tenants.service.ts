import { type Db, isUniqueViolation, newId, validationFailed } from '@parley/platform'
import { sql } from 'kysely'

import { tenantExists } from '../errors'
import { insertTenant, type TenantRow } from '../users/users.repository'
import { TenantSlugSchema } from '../users/users.schema'

/**
 * Creates a tenant without an owner (the `parley tenants create SLUG` command, for
 * TENANT_SIGNUP=closed). The auth schema must be migrated. Throws a 400 AppError for a bad
 * slug and a 409 AppError (`/problems/tenant-exists`) when it is taken.
 *
 * @example await createTenant(platform.db, 'acme')
 */
export async function createTenant(db: Db, slug: string, name?: string): Promise<TenantRow> {
  const parsed = TenantSlugSchema.safeParse(slug)
  if (!parsed.success) throw validationFailed({ slug: parsed.error.issues.map((i) => i.message) })
  try {
    return await insertTenant(db, { id: newId(), slug: parsed.data, name: name ?? parsed.data })
  } catch (err) {
    if (isUniqueViolation(err, 'tenants_slug_key')) throw tenantExists(parsed.data)
    throw err
  }
}

/** Makes sure the `default` tenant exists (so a closed signup still has somewhere to register). */
export async function ensureDefaultTenant(db: Db, slug: string) {
  await sql`insert into auth.tenants (id, slug, name) values (${newId()}, ${slug}, ${'Default'})
    on conflict (slug) do nothing`.execute(db)
}
