// @NOTE oidc-provider ships no types; this is the part of its API the tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface AccountClaims {
    sub: string
    [claim: string]: unknown
  }
  interface Account {
    accountId: string
    claims(use: string, scope: string): Promise<AccountClaims> | AccountClaims
  }
  interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    save(): Promise<string>
  }
  interface InteractionDetails {
    uid: string
    prompt: { name: string }
    params: Record<string, string | undefined>
  }
  interface AccessToken {
    accountId: string
    scope?: string
    isExpired: boolean
  }
  interface ProviderContext {
    oidc: { client: { clientId: string }; session: { accountId?: string }; provider: Provider }
  }
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>)
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    Grant: new (init: { accountId?: string; clientId: string }) => Grant
    AccessToken: { find(token: string): Promise<AccessToken | undefined> }
    on(event: string, listener: (...args: unknown[]) => void): void
  }
  export type { Account, ProviderContext }
}
