import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import Provider, { type Account, type ProviderContext } from 'oidc-provider'

/** An account of the test identity provider. */
export interface TestAccount {
  sub: string
  email?: string
  emailVerified?: boolean
  givenName?: string
  familyName?: string
  /** GitHub-style handle (`login`, and `preferred_username` for OIDC). */
  login?: string
  /** Extra emails for the GitHub-shaped `/user/emails` (the main email comes first). */
  otherEmails?: Array<{ email: string; verified: boolean }>
}

export interface TestClient {
  clientId: string
  clientSecret: string
  redirectUri: string
}

const SCOPES = ['openid', 'email', 'profile', 'read:user', 'user:email']

/**
 * A real OpenID provider (panva's oidc-provider) on a free loopback port. Its login interaction
 * signs in the account chosen with `signInAs` (no forms). It also answers GitHub's REST shape
 * (`GET /user`, `GET /user/emails`) for its own access tokens, so GitHub's plain OAuth2 mode can
 * be driven against it with non-OIDC scopes.
 */
export async function startTestIdentityProvider(clients: TestClient[]) {
  const accounts = new Map<string, TestAccount>()
  let nextSub: string | undefined
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    async findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
      const account = accounts.get(sub)
      if (!account) return undefined
      return {
        accountId: sub,
        claims: () => ({
          sub,
          ...(account.email !== undefined
            ? { email: account.email, email_verified: account.emailVerified ?? false }
            : {}),
          given_name: account.givenName,
          family_name: account.familyName,
          preferred_username: account.login,
        }),
      }
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'preferred_username'],
    },
    scopes: SCOPES,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // @NOTE Consent is not what these tests are about: every requested scope is granted.
    async loadExistingGrant(ctx: ProviderContext) {
      const { accountId } = ctx.oidc.session
      if (!accountId) return undefined
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId: ctx.oidc.client.clientId })
      grant.addOIDCScope(SCOPES.join(' '))
      grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name', 'preferred_username'])
      await grant.save()
      return grant
    },
    pkce: { required: () => true },
    cookies: { keys: ['parley-test-idp-cookie-key'] },
  })
  const callback = provider.callback()

  async function githubApi(req: IncomingMessage, res: ServerResponse, path: string) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const found = token ? await provider.AccessToken.find(token) : undefined
    const account = found && !found.isExpired ? accounts.get(found.accountId) : undefined
    const scopes = (found?.scope ?? '').split(' ')
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (!account) return send(401, { message: 'Bad credentials' })
    if (path === '/user')
      return send(200, {
        id: Number(account.sub),
        login: account.login,
        name: [account.givenName, account.familyName].filter(Boolean).join(' ') || null,
        email: null,
      })
    if (!scopes.includes('user:email')) return send(404, { message: 'Not Found' })
    const main = account.email
      ? [{ email: account.email, primary: true, verified: account.emailVerified ?? false }]
      : []
    const others = (account.otherEmails ?? []).map((e) => ({ ...e, primary: false }))
    return send(200, [...main, ...others])
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/user' || path === '/user/emails') {
      githubApi(req, res, path).catch(() => res.writeHead(500).end())
      return
    }
    if (path.startsWith('/interaction/')) {
      ;(async () => {
        await provider.interactionDetails(req, res)
        if (!nextSub) throw new Error('no test account chosen (signInAs)')
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: nextSub } },
          { mergeWithLastSubmission: false },
        )
      })().catch((err: Error) => res.writeHead(500).end(err.message))
      return
    }
    callback(req, res)
  })

  return {
    issuer,
    /** Adds (or replaces) an account. */
    addAccount(account: TestAccount) {
      accounts.set(account.sub, account)
      return account
    },
    /** The account the next login interaction signs in. */
    signInAs(sub: string) {
      nextSub = sub
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type TestIdentityProvider = Awaited<ReturnType<typeof startTestIdentityProvider>>

/** A free loopback port with nothing listening on it (a provider that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
