import { isUniqueViolation, newId, type Principal, transaction, type Tx } from '@parley/platform'

import type { AuthContext } from '../context'
import { startSession, type TokenPair } from '../sessions/sessions.service'
import { isOpaqueToken, newOpaqueToken, tokenHash } from '../tokens/opaque-tokens'
import { DEFAULT_TENANT, freePersonId, publishUser } from '../users/accounts.service'
import { presentUser } from '../users/users.presenter'
import {
  findTenantBySlug,
  findUserByEmail,
  findUserById,
  insertTenant,
  insertUser,
  setTenantOwner,
  takenFields,
  type UserRow,
} from '../users/users.repository'
import type { UserBody } from '../users/users.schema'
import { invalidHandoff, lastSignInMethod, linkNotFound, OAuthFailure, unknownProvider } from './oauth.errors'
import {
  deleteExpiredOAuthRows,
  deleteLink,
  findLinkBySubject,
  insertHandoff,
  insertLink,
  insertState,
  listLinks,
  lockUserCredentials,
  type OAuthLinkRow,
  takeHandoff,
  takeState,
  touchLink,
} from './oauth.repository'
import type { ProviderClient, ProviderIdentity } from './provider-clients'

/** A pending sign-in lives 10 minutes; the handoff to the web app 60 seconds. */
export const STATE_TTL_MS = 10 * 60_000
export const HANDOFF_TTL_MS = 60_000
const CREATE_ATTEMPTS = 5

/** The configured providers by name, built once at start. */
export type ProviderRegistry = ReadonlyMap<string, ProviderClient>

function providerOf(registry: ProviderRegistry, name: string): ProviderClient {
  const provider = registry.get(name)
  if (!provider) throw unknownProvider(name)
  return provider
}

/**
 * Starts a sign-in: remembers the tenant, PKCE verifier, nonce and where to return under a
 * random `state` (single use, 10 minutes) bound to the browser's secret, and answers the URL to
 * send the browser to. Throws OAuthFailure('provider_unavailable') when discovery fails.
 */
export async function startSignIn(
  ctx: AuthContext,
  registry: ProviderRegistry,
  input: { provider: string; tenant?: string; returnTo: string; browserSecret: string },
): Promise<URL> {
  const provider = providerOf(registry, input.provider)
  const slug = input.tenant ?? DEFAULT_TENANT
  if (ctx.config.tenantSignup === 'closed' && !(await findTenantBySlug(ctx.db, slug)))
    throw new OAuthFailure('signup_closed')
  const state = newOpaqueToken()
  const { url, checks } = await provider.authorizationUrl(state)
  const now = new Date()
  await deleteExpiredOAuthRows(ctx.db, now)
  await insertState(ctx.db, {
    state_hash: tokenHash(state),
    provider: provider.name,
    tenant_slug: slug,
    code_verifier: checks.codeVerifier,
    nonce: checks.nonce,
    browser_hash: tokenHash(input.browserSecret),
    return_to: input.returnTo,
    expires_at: new Date(now.getTime() + STATE_TTL_MS),
  })
  return url
}

/**
 * Finishes a sign-in at the callback: takes the state (single use; it must belong to this
 * provider and browser), lets the provider client exchange and verify the code, then finds or
 * creates the user and its link in one transaction, with a one-time handoff for the web app.
 * Nothing is written unless the provider's answer was verified. Throws {@link OAuthFailure}.
 */
export async function finishSignIn(
  ctx: AuthContext,
  registry: ProviderRegistry,
  input: { provider: string; state?: string; callbackUrl: URL; browserSecret?: string },
): Promise<{ handoff: string }> {
  const provider = providerOf(registry, input.provider)
  if (!input.state || !isOpaqueToken(input.state)) throw new OAuthFailure('invalid_state')
  const pending = await takeState(ctx.db, tokenHash(input.state))
  const now = new Date()
  if (
    !pending ||
    pending.provider !== provider.name ||
    new Date(pending.expires_at).getTime() <= now.getTime() ||
    !input.browserSecret ||
    tokenHash(input.browserSecret) !== pending.browser_hash
  )
    throw new OAuthFailure('invalid_state')

  const identity = await provider.finish(input.callbackUrl, {
    state: input.state,
    codeVerifier: pending.code_verifier,
    nonce: pending.nonce,
  })
  const handoff = newOpaqueToken()
  const outcome = await findOrCreateUser(
    ctx,
    provider.name,
    pending.tenant_slug,
    identity,
    async (tx, user) => {
      await insertHandoff(tx.db, {
        handoff_hash: tokenHash(handoff),
        user_id: user.id,
        tenant_id: user.tenant_id,
        browser_hash: pending.browser_hash,
        return_to: pending.return_to,
        expires_at: new Date(Date.now() + HANDOFF_TTL_MS),
      })
    },
  )
  ctx.log.info(
    {
      userId: outcome.user.id,
      tenantId: outcome.user.tenant_id,
      provider: provider.name,
      outcome: outcome.kind,
    },
    'signed in through a provider',
  )
  return { handoff }
}

type FindOrCreate = { kind: 'existing-link' | 'linked-by-email' | 'registered'; user: UserRow }

async function findOrCreateUser(
  ctx: AuthContext,
  provider: string,
  slug: string,
  identity: ProviderIdentity,
  alsoInTransaction: (tx: Tx, user: UserRow) => Promise<void>,
): Promise<FindOrCreate> {
  for (let attempt = 1; ; attempt++) {
    try {
      // @NOTE settle: a new account is known to every service before the sign-in answers (ADR 0012).
      return await ctx.platform.bus.settle(() =>
        transaction(ctx.db, async (tx): Promise<FindOrCreate> => {
          const result = await resolveUser(ctx, tx, provider, slug, identity)
          await alsoInTransaction(tx, result.user)
          return result
        }),
      )
    } catch (err) {
      if (isUniqueViolation(err, 'oauth_links_user_provider_key')) throw new OAuthFailure('account_exists')
      // @NOTE A concurrent callback for the same account, a taken username or person_id: try again.
      if (isUniqueViolation(err) && attempt < CREATE_ATTEMPTS) continue
      throw err
    }
  }
}

async function resolveUser(
  ctx: AuthContext,
  tx: Tx,
  provider: string,
  slug: string,
  identity: ProviderIdentity,
): Promise<FindOrCreate> {
  const now = new Date()
  let tenant = await findTenantBySlug(tx.db, slug)
  const link = tenant ? await findLinkBySubject(tx.db, tenant.id, provider, identity.subject) : undefined
  if (tenant && link) {
    const user = await findUserById(tx.db, tenant.id, link.user_id)
    if (user) {
      await touchLink(tx.db, link.id, identity.email ?? null, now)
      return { kind: 'existing-link', user }
    }
  }
  const existing =
    tenant && identity.email ? await findUserByEmail(tx.db, tenant.id, identity.email) : undefined
  if (tenant && existing) {
    // @NOTE Never a takeover: only an email the provider verified links to an existing account.
    if (!identity.emailVerified) throw new OAuthFailure('account_exists')
    await insertLink(tx.db, {
      id: newId(),
      tenant_id: tenant.id,
      user_id: existing.id,
      provider,
      subject: identity.subject,
      email: identity.email ?? null,
    })
    return { kind: 'linked-by-email', user: existing }
  }
  if (!identity.email) throw new OAuthFailure('email_required')
  const isNewTenant = !tenant
  if (!tenant) {
    if (ctx.config.tenantSignup === 'closed') throw new OAuthFailure('signup_closed')
    tenant = await insertTenant(tx.db, { id: newId(), slug, name: slug })
  }
  const user = await insertUser(tx.db, {
    id: newId(),
    tenant_id: tenant.id,
    person_id: await freePersonId(tx, tenant.id),
    email: identity.email,
    username: await freeUsername(tx, tenant.id, identity),
    password_hash: null,
    first_name: (identity.givenName ?? '').slice(0, 150),
    last_name: (identity.familyName ?? '').slice(0, 150),
  })
  if (isNewTenant) await setTenantOwner(tx.db, tenant.id, user.id)
  await insertLink(tx.db, {
    id: newId(),
    tenant_id: tenant.id,
    user_id: user.id,
    provider,
    subject: identity.subject,
    email: identity.email,
  })
  await publishUser(ctx, tx, 'user.registered', user)
  return { kind: 'registered', user }
}

/** A username from the provider's handle or the email's local part, made unique in the tenant. */
export function usernameBase(identity: Pick<ProviderIdentity, 'username' | 'email'>): string {
  const raw = identity.username ?? identity.email?.split('@')[0] ?? ''
  const cleaned = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\w.@+-]/g, '')
    .slice(0, 30)
  return cleaned || 'user'
}

async function freeUsername(tx: Tx, tenantId: string, identity: ProviderIdentity): Promise<string> {
  const base = usernameBase(identity)
  for (let i = 0; i < 20; i++) {
    const candidate = i === 0 ? base : `${base}${Math.floor(1000 + Math.random() * 9000)}`
    const taken = await takenFields(tx.db, tenantId, { email: '', username: candidate })
    if (!taken.username) return candidate
  }
  return `${base}${newId().slice(-12).replace(/-/g, '')}`
}

/**
 * Exchanges a one-time handoff (60 s, single use, only from the browser that signed in) for a
 * new session, exactly like a password login answers.
 */
export async function exchangeHandoff(
  ctx: AuthContext,
  input: { handoff: string; browserSecret?: string },
): Promise<TokenPair & { user: UserBody; return_to: string }> {
  if (!isOpaqueToken(input.handoff)) throw invalidHandoff()
  const row = await takeHandoff(ctx.db, tokenHash(input.handoff))
  if (
    !row ||
    new Date(row.expires_at).getTime() <= Date.now() ||
    !input.browserSecret ||
    tokenHash(input.browserSecret) !== row.browser_hash
  )
    throw invalidHandoff()
  const user = await findUserById(ctx.db, row.tenant_id, row.user_id)
  if (!user) throw invalidHandoff()
  const pair = await startSession(ctx, user)
  return { ...pair, user: presentUser(user), return_to: row.return_to }
}

/** The signed-in user's links to sign-in providers. */
export async function linksOf(ctx: AuthContext, principal: Principal): Promise<OAuthLinkRow[]> {
  return listLinks(ctx.db, principal.tenantId, principal.userId)
}

/**
 * Removes the user's link to a provider. A user without a password keeps at least one link:
 * removing the last way to sign in answers 409.
 */
export async function unlinkProvider(
  ctx: AuthContext,
  principal: Principal,
  provider: string,
): Promise<void> {
  await transaction(ctx.db, async (tx) => {
    const user = await lockUserCredentials(tx.db, principal.tenantId, principal.userId)
    if (!user) throw linkNotFound(provider)
    const links = await listLinks(tx.db, principal.tenantId, principal.userId)
    if (!links.some((l) => l.provider === provider)) throw linkNotFound(provider)
    if (!user.password_hash && links.length === 1) throw lastSignInMethod()
    await deleteLink(tx.db, principal.tenantId, principal.userId, provider)
  })
  ctx.log.info({ userId: principal.userId, provider }, 'sign-in provider unlinked')
}
