import { busEvent } from '@parley/contracts'
import {
  isUniqueViolation,
  newId,
  newPersonId,
  type Principal,
  transaction,
  type Tx,
  validationFailed,
} from '@parley/platform'

import type { AuthContext } from '../context'
import { invalidCredentials, noPasswordYet, userGone, wrongOldPassword } from '../errors'
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../passwords/password-hashing'
import { invalidateResetTokens } from '../passwords/password-resets.repository'
import { passwordProblems } from '../passwords/password-rules'
import {
  applyRevocations,
  revokeUserSessions,
  startSession,
  type TokenPair,
} from '../sessions/sessions.service'
import { accountKey, assertAccountNotThrottled, recordFailedLogin } from './login-throttle'
import { presentUser, userEventPayload } from './users.presenter'
import {
  findTenantBySlug,
  findUserByEmail,
  findUserById,
  insertTenant,
  insertUser,
  setTenantOwner,
  takenFields,
  type UserRow,
} from './users.repository'
import type { LoginInput, RegisterInput, UserBody } from './users.schema'

export const DEFAULT_TENANT = 'default'
const PERSON_ID_ATTEMPTS = 20
const REGISTER_ATTEMPTS = 5

const duplicateEmail = 'A user with this email already exists.'
const duplicateUsername = 'A user with this username already exists.'
const unknownTenant = 'No workspace has this name.'

/** Publishes `user.registered` / `user.updated` with the full snapshot, inside the change's transaction. */
export async function publishUser(
  ctx: AuthContext,
  tx: Tx,
  type: 'user.registered' | 'user.updated',
  user: UserRow,
) {
  await ctx.platform.bus.publish(tx, 'auth', busEvent(type, user.tenant_id, userEventPayload(user)))
}

/**
 * Registers a user in a tenant (default `default`). An unknown slug creates that tenant with
 * the registrant as owner unless TENANT_SIGNUP=closed (SPEC section 1).
 */
export async function register(ctx: AuthContext, input: RegisterInput): Promise<UserBody> {
  const slug = input.tenant ?? DEFAULT_TENANT
  const errors: Record<string, string[]> = {}
  const weak = passwordProblems(input.password, input.email)
  if (weak.length) errors.password = weak
  const tenant = await findTenantBySlug(ctx.db, slug)
  if (!tenant && ctx.config.tenantSignup === 'closed') errors.tenant = [unknownTenant]
  if (tenant) {
    const taken = await takenFields(ctx.db, tenant.id, input)
    if (taken.email) errors.email = [duplicateEmail]
    if (taken.username) errors.username = [duplicateUsername]
  }
  if (Object.keys(errors).length) throw validationFailed(errors)

  const passwordHash = await hashPassword(input.password)
  for (let attempt = 1; ; attempt++) {
    try {
      // @NOTE settle: register answers once every service knows the new user (read-your-writes, ADR 0012).
      const user = await ctx.platform.bus.settle(() =>
        transaction(ctx.db, async (tx) => {
          let tenantRow = await findTenantBySlug(tx.db, slug)
          const isNewTenant = !tenantRow
          if (!tenantRow) {
            if (ctx.config.tenantSignup === 'closed') throw validationFailed({ tenant: [unknownTenant] })
            tenantRow = await insertTenant(tx.db, { id: newId(), slug, name: slug })
          }
          const row = await insertUser(tx.db, {
            id: newId(),
            tenant_id: tenantRow.id,
            person_id: await freePersonId(tx, tenantRow.id),
            email: input.email,
            username: input.username,
            password_hash: passwordHash,
            first_name: input.first_name ?? '',
            last_name: input.last_name ?? '',
          })
          if (isNewTenant) await setTenantOwner(tx.db, tenantRow.id, row.id)
          await publishUser(ctx, tx, 'user.registered', row)
          return row
        }),
      )
      ctx.log.info({ userId: user.id, tenantId: user.tenant_id }, 'user registered')
      return presentUser(user)
    } catch (err) {
      if (isUniqueViolation(err, 'users_tenant_email_key'))
        throw validationFailed({ email: [duplicateEmail] })
      if (isUniqueViolation(err, 'users_tenant_username_key'))
        throw validationFailed({ username: [duplicateUsername] })
      // @NOTE A person_id or a new tenant's slug taken by a concurrent registration: try again.
      if (isUniqueViolation(err) && attempt < REGISTER_ATTEMPTS) continue
      throw err
    }
  }
}

/** A random person_id not yet taken in the tenant (inside the creating transaction). */
export async function freePersonId(tx: Tx, tenantId: string): Promise<string> {
  for (let i = 0; i < PERSON_ID_ATTEMPTS; i++) {
    const personId = newPersonId()
    const taken = await tx.db
      .withSchema('auth')
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('person_id', '=', personId)
      .executeTakeFirst()
    if (!taken) return personId
  }
  throw new Error('could not find a free person_id')
}

/**
 * Checks the credentials and starts a session. An unknown tenant, an unknown email and a wrong
 * password answer the same, after the same argon2 work.
 */
export async function login(ctx: AuthContext, input: LoginInput): Promise<TokenPair & { user: UserBody }> {
  const slug = input.tenant ?? DEFAULT_TENANT
  const tenant = await findTenantBySlug(ctx.db, slug)
  const throttleKey = accountKey(tenant?.id ?? `slug:${slug}`, input.email)
  await assertAccountNotThrottled(ctx, throttleKey)
  const user = tenant ? await findUserByEmail(ctx.db, tenant.id, input.email) : undefined
  // @NOTE An account without a password (signed up through a provider) costs the same dummy work.
  const ok = user?.password_hash
    ? await verifyPassword(user.password_hash, input.password)
    : await verifyAgainstDummy(input.password)
  if (!user || !ok) {
    await recordFailedLogin(ctx, throttleKey)
    throw invalidCredentials()
  }
  const pair = await startSession(ctx, user)
  return { ...pair, user: presentUser(user) }
}

/** The signed-in user's row (401 when the account is gone). */
export async function currentUser(ctx: AuthContext, principal: Principal): Promise<UserRow> {
  const user = await findUserById(ctx.db, principal.tenantId, principal.userId)
  if (!user) throw userGone()
  return user
}

/** Changes the password and signs out every other session of the user. */
export async function changePassword(
  ctx: AuthContext,
  principal: Principal,
  input: { old_password: string; new_password: string },
): Promise<void> {
  const user = await currentUser(ctx, principal)
  // @NOTE A first password is set through forgot/reset, which proves the email (see README).
  if (!user.password_hash) throw noPasswordYet()
  if (!(await verifyPassword(user.password_hash, input.old_password))) throw wrongOldPassword()
  const weak = passwordProblems(input.new_password, user.email)
  if (weak.length) throw validationFailed({ new_password: weak })
  const passwordHash = await hashPassword(input.new_password)
  const revocations = await transaction(ctx.db, async (tx) => {
    await tx.db
      .withSchema('auth')
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', user.id)
      .execute()
    await invalidateResetTokens(tx.db, user.id)
    return revokeUserSessions(ctx, tx.db, user.id, 'password-changed', principal.sessionId)
  })
  await applyRevocations(ctx, revocations)
  ctx.log.info({ userId: user.id, sessionsRevoked: revocations.length }, 'password changed')
}
