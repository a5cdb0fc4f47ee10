import { isIP } from 'node:net'

import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65535)
const seconds = z.coerce.number().int().positive()
/** Seconds, fractions allowed (tests shorten the slow-client limits to a fraction of a second). */
const timeLimit = (fallback: number) => z.coerce.number().min(0.05).max(3600).default(fallback)
const url = z.string().url()
const parsesAsUrl = (v: string) => {
  try {
    new URL(v)
    return true
  } catch {
    return false
  }
}
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), url.optional())
const list = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  )

/** The flat environment, exactly as SPEC section 1 names it. */
const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .refine(
        parsesAsUrl,
        'is not a valid URL (check the port; percent-encode special characters of the password)',
      )
      .optional(),
  ),
  /** PostgreSQL: `off` sends every statement unnamed (a pooler that cannot keep prepared statements). */
  DATABASE_PREPARE: z.enum(['on', 'off']).default('on'),
  REDIS_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .refine(
        parsesAsUrl,
        'is not a valid URL (check the port; percent-encode special characters of the password)',
      )
      .optional(),
  ),
  /** Key prefix for everything Parley keeps in Redis (tests and shared Redis servers use their own). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]*$/, 'letters, digits and : . _ - only')
    .default('parley:'),
  /** S3-compatible object storage: s3://ACCESS_KEY:SECRET_KEY@host:port/bucket?region=us-east-1&path_style=true&tls=false */
  S3_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(
        /^s3:\/\/[^:@/]+:[^@/]+@[^/]+\/[a-z0-9.-]{3,63}(\?.*)?$/,
        'must be s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[?region=..&path_style=true&tls=false]',
      )
      .optional(),
  ),
  /** How long a draining node waits for its services to close before it exits anyway. */
  UPSTREAM_AUTH_URL: optionalUrl,
  UPSTREAM_PROFILE_URL: optionalUrl,
  UPSTREAM_CONTACTS_URL: optionalUrl,
  UPSTREAM_CHAT_URL: optionalUrl,
  SHUTDOWN_TIMEOUT: seconds.default(25),
  /** Seconds between readiness turning false and the node closing its listener (lets a proxy notice). */
  SHUTDOWN_DELAY: z.coerce.number().min(0).max(120).default(0),
  SMTP_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .refine(
        parsesAsUrl,
        'is not a valid URL (check the port; percent-encode special characters of the password)',
      )
      .optional(),
  ),
  MAIL_FROM: z.string().default('Parley <no-reply@parley.local>'),
  PUBLIC_URL: optionalUrl,
  ALLOWED_ORIGINS: list,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TENANT_SIGNUP: z.enum(['open', 'closed']).default('open'),
  ACCESS_TOKEN_TTL: seconds.default(900),
  REFRESH_TOKEN_TTL: seconds.default(7 * 24 * 3600),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  JWT_PRIVATE_KEY: z.string().optional(),
  /** Keys that verify access tokens but do not sign: the previous key after a rotation (README). */
  JWT_VERIFY_KEYS: z.string().optional(),
  AUTH_JWKS_URL: optionalUrl,
  CARD_FINGERPRINT_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Web Push (VAPID) key pair, base64url (`npx web-push generate-vapid-keys`); unset: generated and kept in the chat database. */
  VAPID_PUBLIC_KEY: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, 'must be an uncompressed P-256 public key, base64url (87 characters)')
      .optional(),
  ),
  VAPID_PRIVATE_KEY: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key, base64url (43 characters)')
      .optional(),
  ),
  /** Who push services contact about this server: a mailto: or https: URL (default: PUBLIC_URL if https, else mailto:MAIL_FROM's address). */
  VAPID_SUBJECT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: or https: URL')
      .optional(),
  ),
  BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Which proxies may name the client's IP in X-Forwarded-For: a hop count or CIDRs/IPs; unset trusts none. */
  TRUST_PROXY: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** Seconds a client may take to send a request's headers (also a WebSocket handshake's). */
  HTTP_HEADERS_TIMEOUT: timeLimit(10),
  /** Seconds a client may take to send a whole request, body included (a 25 MB upload needs ~420 KB/s). */
  HTTP_REQUEST_TIMEOUT: timeLimit(60),
  /** Seconds a kept-alive connection may stay idle between requests. */
  HTTP_IDLE_TIMEOUT: timeLimit(5),
  /** A port of its own for `/metrics` (unset: no metrics port). */
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), port.optional()),
  /** A bearer token that opens `/metrics` on the public port (unset: `/metrics` is not served there). */
  METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
})

/**
 * Variables whose value is a secret or holds one (URLs with a password): a config error names
 * them and the problem, never their value.
 */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'S3_URL',
  'SMTP_URL',
  'JWT_PRIVATE_KEY',
  'CARD_FINGERPRINT_KEY',
  'METRICS_TOKEN',
  'VAPID_PRIVATE_KEY',
])

/** True when a config error must not quote this variable's value. */
export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLES.has(name) || /(SECRET|PASSWORD|TOKEN|PRIVATE_KEY)/.test(name)
}

/** `NAME="value"` for ordinary variables, `NAME` alone for secrets. */
function quoteVariable(name: string, value: string | undefined): string {
  return isSecretVariable(name) ? name : `${name}=${JSON.stringify(value ?? '')}`
}

/** Hides the password of every `scheme://user:password@host` in a text (start-up errors, stack traces). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][\w+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:[redacted]@')
}

/** Fastify's `trustProxy`: false (trust nobody), a hop count, or the proxies' addresses and CIDRs. */
export type TrustProxy = false | number | string[]

const PROXY_ADDR_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** Parses TRUST_PROXY; returns a problem message instead when it is malformed. */
export function parseTrustProxy(value: string | undefined): TrustProxy | { problem: string } {
  if (value === undefined || value.trim() === '' || value.trim() === 'false') return false
  const v = value.trim()
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    return hops <= 10 ? hops : { problem: 'a hop count must be 0 to 10' }
  }
  const entries = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const entry of entries) {
    if (PROXY_ADDR_NAMES.has(entry)) continue
    const [address, bits, extra] = entry.split('/')
    const family = isIP(address ?? '')
    const maxBits = family === 6 ? 128 : 32
    if (
      !family ||
      extra !== undefined ||
      (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))
    ) {
      return {
        problem: `"${entry}" is not an IP address or CIDR (use a hop count, or addresses/CIDRs separated by commas)`,
      }
    }
  }
  return entries
}

export type Env = z.infer<typeof EnvSchema>

/** Typed, nested configuration shared by every service. */
export interface Config {
  http: {
    port: number
    host: string
    publicUrl: string
    allowedOrigins: string[]
    bodyLimit: number
    trustProxy: TrustProxy
    /** Slow-client limits, in milliseconds. */
    headersTimeoutMs: number
    requestTimeoutMs: number
    idleTimeoutMs: number
  }
  /**
   * Where `/metrics` is served: on `port` (its own listener) and/or on the public port behind
   * `token`. `openOnPublicPort` is for tests only (no variable sets it).
   */
  metrics: { port?: number; token?: string; openOnPublicPort: boolean }
  dataDir: string
  mode: 'embedded' | 'distributed'
  db: { url?: string; prepare: boolean }
  redis: { url?: string; prefix: string }
  /** Object storage for files; undefined means local disk under DATA_DIR (one node only). */
  s3?: S3Config
  shutdown: { timeoutMs: number; delayMs: number }
  /** Where a gateway node sends the paths of services that run elsewhere (`parley serve gateway`). */
  upstreams: Partial<Record<'auth' | 'profile' | 'contacts' | 'chat', string>>
  mail: { smtpUrl?: string; from: string }
  log: { level: Env['LOG_LEVEL'] }
  tenantSignup: 'open' | 'closed'
  jwt: { accessTtl: number; refreshTtl: number; privateKey?: string; verifyKeys?: string; jwksUrl?: string }
  rateLimits: boolean
  isProduction: boolean
  nodeEnv: Env['NODE_ENV']
  secrets: { cardFingerprintKey?: string }
  /** Web Push: the VAPID key pair (both or neither; unset, the chat service keeps a generated pair) and subject. */
  push: { vapidPublicKey?: string; vapidPrivateKey?: string; vapidSubject: string }
  /** Sign-in providers (OAUTH_PROVIDERS); empty when none is configured. */
  oauth: { providers: OAuthProviderConfig[] }
}

/** One "Sign in with …" provider: any OpenID Connect issuer, or GitHub's plain OAuth2. */
export type OAuthProviderConfig = OidcProviderConfig | GitHubProviderConfig

interface OAuthProviderBase {
  /** Lowercase id used in paths (`/api/auth/oauth/<name>/callback/`). */
  name: string
  /** What the button says: "Continue with <displayName>". */
  displayName: string
  clientId: string
  clientSecret: string
  scopes: string[]
}

export interface OidcProviderConfig extends OAuthProviderBase {
  type: 'oidc'
  /** Issuer URL; its `/.well-known/openid-configuration` is discovered. */
  issuer: string
}

export interface GitHubProviderConfig extends OAuthProviderBase {
  type: 'github'
  authorizationUrl: string
  tokenUrl: string
  /** REST API base (`/user`, `/user/emails`); GitHub Enterprise Server uses https://HOST/api/v3. */
  apiUrl: string
}

export interface S3Config {
  /** http(s)://host:port of the S3 API. */
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** Path-style addressing (host/bucket/key): MinIO, s3rver and most self-hosted servers need it. */
  forcePathStyle: boolean
}

/** Parses `s3://ACCESS:SECRET@host:port/bucket?region=..&path_style=true&tls=false`; keys may be percent-encoded. */
export function parseS3Url(value: string): S3Config {
  const u = new URL(value.replace(/^s3:/, 'http:'))
  const tls = u.searchParams.get('tls') !== 'false'
  return {
    endpoint: `${tls ? 'https' : 'http'}://${u.host}`,
    bucket: u.pathname.replace(/^\//, '').replace(/\/$/, ''),
    region: u.searchParams.get('region') ?? 'us-east-1',
    accessKeyId: decodeURIComponent(u.username),
    secretAccessKey: decodeURIComponent(u.password),
    forcePathStyle: u.searchParams.get('path_style') !== 'false',
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/**
 * Parses the environment once and shapes it into a nested config.
 * Every bad variable is reported, not only the first.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env)
  const oauth = parseOAuthProviders(env)
  if (!parsed.success || oauth.problems.length) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = String(issue.path[0] ?? '?')
        return `${quoteVariable(name, env[name])}: ${issue.message}`
      }),
      ...oauth.problems,
    ])
  }
  const e = parsed.data
  const trustProxy = parseTrustProxy(e.TRUST_PROXY)
  if (!Array.isArray(trustProxy) && typeof trustProxy === 'object') {
    throw new ConfigError([`${quoteVariable('TRUST_PROXY', e.TRUST_PROXY)}: ${trustProxy.problem}`])
  }
  if (e.HTTP_REQUEST_TIMEOUT < e.HTTP_HEADERS_TIMEOUT) {
    throw new ConfigError([
      `HTTP_REQUEST_TIMEOUT="${e.HTTP_REQUEST_TIMEOUT}": must not be shorter than HTTP_HEADERS_TIMEOUT (${e.HTTP_HEADERS_TIMEOUT} s)`,
    ])
  }
  const publicUrl = (
    e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`
  ).replace(/\/$/, '')
  const allowedOrigins = new Set([new URL(publicUrl).origin, ...e.ALLOWED_ORIGINS])
  if (e.NODE_ENV === 'production' && e.DATABASE_URL && !e.CARD_FINGERPRINT_KEY) {
    throw new ConfigError([
      'CARD_FINGERPRINT_KEY: required in production with DATABASE_URL (a secret of 32+ characters)',
    ])
  }
  if (!e.VAPID_PUBLIC_KEY !== !e.VAPID_PRIVATE_KEY) {
    throw new ConfigError([
      `${e.VAPID_PUBLIC_KEY ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY'}: required with ${e.VAPID_PUBLIC_KEY ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY'} (set both, or neither to have one generated)`,
    ])
  }
  const mailAddress = /<([^>]+)>/.exec(e.MAIL_FROM)?.[1] ?? e.MAIL_FROM.trim()
  const vapidSubject =
    e.VAPID_SUBJECT ??
    (publicUrl.startsWith('https://') ? publicUrl : `mailto:${mailAddress || 'no-reply@parley.local'}`)
  return {
    http: {
      port: e.PORT,
      host: e.HOST,
      publicUrl,
      allowedOrigins: [...allowedOrigins],
      bodyLimit: e.BODY_LIMIT,
      trustProxy,
      headersTimeoutMs: Math.round(e.HTTP_HEADERS_TIMEOUT * 1000),
      requestTimeoutMs: Math.round(e.HTTP_REQUEST_TIMEOUT * 1000),
      idleTimeoutMs: Math.round(e.HTTP_IDLE_TIMEOUT * 1000),
    },
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN, openOnPublicPort: false },
    dataDir: e.DATA_DIR,
    mode: e.DATABASE_URL && e.REDIS_URL ? 'distributed' : 'embedded',
    db: { url: e.DATABASE_URL, prepare: e.DATABASE_PREPARE === 'on' },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    ...(e.S3_URL ? { s3: parseS3Url(e.S3_URL) } : {}),
    shutdown: { timeoutMs: e.SHUTDOWN_TIMEOUT * 1000, delayMs: e.SHUTDOWN_DELAY * 1000 },
    upstreams: Object.fromEntries(
      (
        [
          ['auth', e.UPSTREAM_AUTH_URL],
          ['profile', e.UPSTREAM_PROFILE_URL],
          ['contacts', e.UPSTREAM_CONTACTS_URL],
          ['chat', e.UPSTREAM_CHAT_URL],
        ] as const
      ).filter(([, url]) => url !== undefined),
    ),
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    log: { level: e.LOG_LEVEL },
    tenantSignup: e.TENANT_SIGNUP,
    jwt: {
      accessTtl: e.ACCESS_TOKEN_TTL,
      refreshTtl: e.REFRESH_TOKEN_TTL,
      privateKey: e.JWT_PRIVATE_KEY,
      verifyKeys: e.JWT_VERIFY_KEYS,
      jwksUrl: e.AUTH_JWKS_URL,
    },
    rateLimits: e.RATE_LIMITS === 'on',
    isProduction: e.NODE_ENV === 'production',
    nodeEnv: e.NODE_ENV,
    secrets: { cardFingerprintKey: e.CARD_FINGERPRINT_KEY },
    push: { vapidPublicKey: e.VAPID_PUBLIC_KEY, vapidPrivateKey: e.VAPID_PRIVATE_KEY, vapidSubject },
    oauth: { providers: oauth.providers },
  }
}

const PROVIDER_NAME = /^[a-z][a-z0-9]{0,31}$/
const GITHUB_DEFAULTS = {
  authorizationUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  apiUrl: 'https://api.github.com',
}
const WELL_KNOWN: Record<string, { displayName: string; issuer?: string; type?: 'github' }> = {
  google: { displayName: 'Google', issuer: 'https://accounts.google.com' },
  github: { displayName: 'GitHub', type: 'github' },
  microsoft: { displayName: 'Microsoft' },
  gitlab: { displayName: 'GitLab', issuer: 'https://gitlab.com' },
}

// @NOTE Plain http is only accepted on loopback (a provider on the same machine, or a test's).
function isSafeUrl(value: string): boolean {
  try {
    const u = new URL(value)
    if (u.protocol === 'https:') return true
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
  } catch {
    return false
  }
}

/**
 * Reads `OAUTH_PROVIDERS=google,github,acme` and, per name, `OAUTH_<NAME>_{TYPE,ISSUER,CLIENT_ID,
 * CLIENT_SECRET,NAME,SCOPES}` (GitHub also `_AUTHORIZATION_URL`, `_TOKEN_URL`, `_API_URL`).
 * Every bad or missing variable is reported by name.
 */
export function parseOAuthProviders(env: NodeJS.ProcessEnv): {
  providers: OAuthProviderConfig[]
  problems: string[]
} {
  const problems: string[] = []
  const providers: OAuthProviderConfig[] = []
  const names = (env.OAUTH_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
  for (const name of names) {
    if (!PROVIDER_NAME.test(name)) {
      problems.push(
        `OAUTH_PROVIDERS=${JSON.stringify(env.OAUTH_PROVIDERS)}: "${name}" must be lowercase letters and digits, starting with a letter`,
      )
      continue
    }
    if (['links', 'providers', 'exchange'].includes(name)) {
      problems.push(
        `OAUTH_PROVIDERS=${JSON.stringify(env.OAUTH_PROVIDERS)}: "${name}" is reserved (a path of the sign-in API)`,
      )
      continue
    }
    if (providers.some((p) => p.name === name)) {
      problems.push(`OAUTH_PROVIDERS=${JSON.stringify(env.OAUTH_PROVIDERS)}: "${name}" is listed twice`)
      continue
    }
    const prefix = `OAUTH_${name.toUpperCase()}_`
    const read = (key: string) => {
      const value = env[prefix + key]?.trim()
      return value ? value : undefined
    }
    const known = WELL_KNOWN[name]
    const before = problems.length
    const required = (key: string) => {
      const value = read(key)
      if (!value) problems.push(`${prefix}${key}: required because OAUTH_PROVIDERS lists "${name}"`)
      return value ?? ''
    }
    const url = (key: string, fallback?: string) => {
      const value = read(key) ?? fallback
      if (!value) problems.push(`${prefix}${key}: required because OAUTH_PROVIDERS lists "${name}"`)
      else if (!isSafeUrl(value))
        problems.push(
          `${prefix}${key}=${JSON.stringify(value)}: must be an https:// URL (http:// only on loopback)`,
        )
      return (value ?? '').replace(/\/$/, '')
    }
    const type = read('TYPE') ?? known?.type ?? 'oidc'
    if (type !== 'oidc' && type !== 'github') {
      problems.push(`${prefix}TYPE=${JSON.stringify(type)}: must be oidc or github`)
      continue
    }
    const base = {
      name,
      displayName: read('NAME') ?? known?.displayName ?? name.charAt(0).toUpperCase() + name.slice(1),
      clientId: required('CLIENT_ID'),
      clientSecret: required('CLIENT_SECRET'),
    }
    const scopes = read('SCOPES')
      ?.split(/[\s,]+/)
      .filter(Boolean)
    const provider: OAuthProviderConfig =
      type === 'github'
        ? {
            ...base,
            type,
            scopes: scopes ?? ['read:user', 'user:email'],
            authorizationUrl: url('AUTHORIZATION_URL', GITHUB_DEFAULTS.authorizationUrl),
            tokenUrl: url('TOKEN_URL', GITHUB_DEFAULTS.tokenUrl),
            apiUrl: url('API_URL', GITHUB_DEFAULTS.apiUrl),
          }
        : {
            ...base,
            type,
            scopes: scopes ?? ['openid', 'email', 'profile'],
            issuer: url('ISSUER', known?.issuer),
          }
    if (provider.type === 'oidc' && !provider.scopes.includes('openid'))
      problems.push(
        `${prefix}SCOPES=${JSON.stringify(read('SCOPES'))}: an OpenID Connect provider needs the openid scope`,
      )
    if (problems.length === before) providers.push(provider)
  }
  return { providers, problems }
}
