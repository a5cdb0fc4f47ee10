import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import type { Db } from '@parley/platform'
import { type CryptoKey, importJWK, type JSONWebKeySet, type JWK } from 'jose'
import { sql } from 'kysely'

import { generatePrivateJwk, type KeyJwk, parseKeys, publicPart, SIGNING_ALG } from './key-formats'

export { generatePrivateJwk, SIGNING_ALG } from './key-formats'

/**
 * How long after a newer key appears every node has picked it up (the servers reload their keys
 * this often), plus clock skew between nodes and the database.
 */
export const KEY_RELOAD_MS = 60_000
const CLOCK_SKEW_MS = 60_000

/** One Ed25519 key: the private half signs access tokens, the public half is in the JWKS. */
export interface SigningKey {
  kid: string
  /** Absent for a key that only verifies (JWT_VERIFY_KEYS). */
  privateKey?: CryptoKey
  publicJwk: JWK
  createdAt: Date
}

/** Where the keys live; see {@link keySourceFor}. */
export interface KeySource {
  readonly kind: 'env' | 'files' | 'database'
  /** Every active key; creates the first key when there is none. */
  load(): Promise<SigningKey[]>
  /** Stores a new key, which becomes the signing key (`parley keys rotate`); not for env. */
  add?(jwk: KeyJwk): Promise<void>
  /** Forgets keys whose tokens have all expired. */
  retire?(kids: readonly string[]): Promise<void>
}

interface StoredKey {
  kid: string
  alg: string
  created_at: string
  private_jwk: JWK
}

async function toSigningKey(jwk: JWK, createdAt: Date, kid?: string): Promise<SigningKey> {
  const pub = publicPart(jwk)
  const id = kid ?? jwk.kid!
  const privateKey = jwk.d
    ? ((await importJWK({ ...pub, d: jwk.d, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey)
    : undefined
  return {
    kid: id,
    ...(privateKey ? { privateKey } : {}),
    publicJwk: { ...pub, kid: id, alg: SIGNING_ALG, use: 'sig' },
    createdAt,
  }
}

/**
 * Keys from the environment. `JWT_PRIVATE_KEY` signs: a PKCS#8 PEM, a private JWK, or a JWKS whose
 * first key signs and whose others still verify. `JWT_VERIFY_KEYS` (optional) lists more keys that
 * verify but never sign (PEM blocks, JWKs or a JWKS; public halves suffice): the previous key after
 * a rotation, or the next one before it (README.md, "Rotating the signing key"). Nothing is
 * stored; rotation is a configuration change.
 */
export class EnvKeySource implements KeySource {
  readonly kind = 'env'
  constructor(
    private readonly privateKey: string,
    private readonly verifyKeys?: string,
  ) {}

  async load() {
    const signing = await parseKeys(this.privateKey, 'JWT_PRIVATE_KEY', { privateOnly: true })
    const verifying = this.verifyKeys?.trim()
      ? await parseKeys(this.verifyKeys, 'JWT_VERIFY_KEYS', { privateOnly: false })
      : []
    const seen = new Set<string>()
    const unique = [...signing, ...verifying.map(({ d: _private, ...pub }) => pub as KeyJwk)].filter(
      (k) => !seen.has(k.kid) && seen.add(k.kid),
    )
    // @NOTE Order is meaning here: the first key signs, so the dates only keep that order.
    const now = Date.now()
    return Promise.all(unique.map((jwk, i) => toSigningKey(jwk, new Date(now - i))))
  }
}

/**
 * Embedded mode: one JSON file per key in `${DATA_DIR}/keys/` (mode 0600), generated on first
 * start. `parley keys rotate` adds a newer file; the server deletes the old one once its tokens
 * have expired.
 */
export class FileKeySource implements KeySource {
  readonly kind = 'files'
  constructor(private readonly dir: string) {}

  async load() {
    let keys = this.read()
    if (keys.length === 0) {
      await this.add(await generatePrivateJwk())
      keys = this.read()
    }
    return Promise.all(keys.map((k) => toSigningKey(k.private_jwk, new Date(k.created_at), k.kid)))
  }

  async add(jwk: KeyJwk) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const stored: StoredKey = {
      kid: jwk.kid,
      alg: SIGNING_ALG,
      created_at: new Date().toISOString(),
      private_jwk: jwk,
    }
    const path = join(this.dir, `${jwk.kid}.json`)
    writeFileSync(path, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
    chmodSync(path, 0o600) // @NOTE the umask may have narrowed it already; never widened.
  }

  async retire(kids: readonly string[]) {
    for (const kid of kids) rmSync(join(this.dir, `${kid}.json`), { force: true })
  }

  private read(): StoredKey[] {
    if (!existsSync(this.dir)) return []
    const keys: StoredKey[] = []
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue
      const path = join(this.dir, name)
      let stored: StoredKey
      try {
        stored = JSON.parse(readFileSync(path, 'utf8')) as StoredKey
      } catch (err) {
        // @NOTE Another server may have retired it between readdir and read.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw new Error(`${path}: not a valid key file`)
      }
      if (
        stored.private_jwk?.kty !== 'OKP' ||
        stored.private_jwk.crv !== 'Ed25519' ||
        !stored.private_jwk.d
      ) {
        throw new Error(`${path}: expected a private Ed25519 JWK`)
      }
      keys.push(stored)
    }
    return keys
  }
}

/**
 * With DATABASE_URL: keys in `auth.signing_keys`, shared by every node. The first key is
 * inserted if absent on generation 1, so nodes that start at once all end up with the winner;
 * `parley keys rotate` inserts the next generation.
 */
export class DatabaseKeySource implements KeySource {
  readonly kind = 'database'
  constructor(private readonly db: Db) {}

  async load() {
    let rows = await this.active()
    if (rows.length === 0) {
      const jwk = await generatePrivateJwk()
      await sql`insert into auth.signing_keys (kid, generation, alg, private_jwk, public_jwk)
        values (${jwk.kid}, 1, ${SIGNING_ALG}, ${JSON.stringify(jwk)}, ${JSON.stringify(publicPart(jwk))})
        on conflict do nothing`.execute(this.db)
      rows = await this.active()
    }
    return Promise.all(
      rows.map((r) => toSigningKey(JSON.parse(r.private_jwk) as JWK, new Date(r.created_at), r.kid)),
    )
  }

  async add(jwk: KeyJwk) {
    // @NOTE generation is unique: two rotations at once fail one of them instead of racing.
    await sql`insert into auth.signing_keys (kid, generation, alg, private_jwk, public_jwk)
      select ${jwk.kid}, coalesce(max(generation), 0) + 1, ${SIGNING_ALG}, ${JSON.stringify(jwk)},
        ${JSON.stringify(publicPart(jwk))}
      from auth.signing_keys`.execute(this.db)
  }

  async retire(kids: readonly string[]) {
    if (kids.length === 0) return
    await sql`update auth.signing_keys set retired_at = now()
      where retired_at is null and kid in (${sql.join(kids)})`.execute(this.db)
  }

  private async active() {
    const { rows } = await sql<{ kid: string; private_jwk: string; created_at: Date }>`
      select kid, private_jwk, created_at from auth.signing_keys where retired_at is null order by generation desc`.execute(
      this.db,
    )
    return rows
  }
}

/** The key source for this configuration: env wins, then the database, then the data directory. */
export function keySourceFor(options: {
  privateKey?: string
  verifyKeys?: string
  dbUrl?: string
  dataDir: string
  db: Db
}): KeySource {
  if (options.privateKey) return new EnvKeySource(options.privateKey, options.verifyKeys)
  if (options.dbUrl) return new DatabaseKeySource(options.db)
  return new FileKeySource(join(options.dataDir, 'keys'))
}

/** When a key that no longer signs may be forgotten: its last token has expired everywhere. */
export function retiresAt(successorCreatedAt: Date, accessTtlSeconds: number): Date {
  return new Date(successorCreatedAt.getTime() + KEY_RELOAD_MS + accessTtlSeconds * 1000 + CLOCK_SKEW_MS)
}

/**
 * The active keys: the newest private one signs, all of them verify, so keys rotate without
 * logging anyone out. With `accessTtlSeconds`, a key is dropped (and retired in its source) once
 * the longest token it can have signed has expired.
 */
export class KeyRing {
  private keys: SigningKey[] = []
  private loading?: Promise<void>

  constructor(
    private readonly source: KeySource,
    private readonly options: { accessTtlSeconds?: number; now?: () => number } = {},
  ) {}

  get kind() {
    return this.source.kind
  }

  /** (Re)reads the keys from their source. */
  async reload(): Promise<void> {
    this.loading ??= this.source
      .load()
      .then((keys) =>
        this.retireExpired([...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())),
      )
      .then((keys) => {
        this.keys = keys
      })
      .finally(() => {
        this.loading = undefined
      })
    return this.loading
  }

  /** The key that signs new tokens. */
  current(): SigningKey & { privateKey: CryptoKey } {
    const key = this.keys.find((k) => k.privateKey)
    if (!key) throw new Error('no signing key loaded')
    return key as SigningKey & { privateKey: CryptoKey }
  }

  /** Every active key, newest first, with when it stops verifying (undefined: while it signs). */
  list(): Array<{ kid: string; createdAt: Date; signs: boolean; retiresAt?: Date }> {
    const ttl = this.options.accessTtlSeconds
    const signer = this.keys.find((k) => k.privateKey)
    return this.keys.map((k, i) => ({
      kid: k.kid,
      createdAt: k.createdAt,
      signs: k === signer,
      ...(i > 0 && ttl !== undefined && this.kind !== 'env'
        ? { retiresAt: retiresAt(this.keys[i - 1].createdAt, ttl) }
        : {}),
    }))
  }

  /** The public JWKS (GET /.well-known/jwks.json). */
  jwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) }
  }

  private async retireExpired(sorted: SigningKey[]): Promise<SigningKey[]> {
    const ttl = this.options.accessTtlSeconds
    // @NOTE Environment keys are the operator's to remove (JWT_VERIFY_KEYS), never ours.
    if (ttl === undefined || !this.source.retire || this.kind === 'env') return sorted
    const now = (this.options.now ?? Date.now)()
    const expired = sorted.filter(
      (_k, i) => i > 0 && retiresAt(sorted[i - 1].createdAt, ttl).getTime() <= now,
    )
    if (expired.length === 0) return sorted
    // @NOTE Dropped from the ring either way; a failed retire is tried again on the next reload.
    await this.source.retire(expired.map((k) => k.kid)).catch(() => undefined)
    return sorted.filter((k) => !expired.includes(k))
  }
}

/**
 * Adds a new signing key to a stored source (files or database): servers sign with it from their
 * next key reload, and keep verifying the previous key until its tokens have expired.
 */
export async function rotateSigningKey(source: KeySource): Promise<KeyJwk> {
  if (!source.add) {
    throw new Error(
      'The signing key comes from JWT_PRIVATE_KEY: rotate it there (README.md, "Rotating the signing key").',
    )
  }
  // @NOTE The first key is created on load when there is none, so a rotation always has a predecessor.
  await source.load()
  const jwk = await generatePrivateJwk()
  await source.add(jwk)
  return jwk
}
