import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Db } from '@parley/platform'
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose'
import { sql } from 'kysely'

export const SIGNING_ALG = 'EdDSA'

/** One Ed25519 key: the private half signs access tokens, the public half is in the JWKS. */
export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
  createdAt: Date
}

/** Where the keys live; see {@link keySourceFor}. */
export interface KeySource {
  readonly kind: 'env' | 'files' | 'database'
  /** Every active key, newest first; creates the first key when there is none. */
  load(): Promise<SigningKey[]>
}

interface StoredKey {
  kid: string
  alg: string
  created_at: string
  private_jwk: JWK
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x } = jwk
  return { kty, crv, x }
}

function assertEd25519(jwk: JWK, where: string) {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error(
      `${where}: expected a private Ed25519 JWK ({"kty":"OKP","crv":"Ed25519","x":...,"d":...})`,
    )
  }
}

async function toSigningKey(privateJwk: JWK, createdAt: Date, kid?: string): Promise<SigningKey> {
  const pub = publicPart(privateJwk)
  const id = kid ?? privateJwk.kid ?? (await calculateJwkThumbprint(pub))
  const privateKey = (await importJWK({ ...privateJwk, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey
  return { kid: id, privateKey, publicJwk: { ...pub, kid: id, alg: SIGNING_ALG, use: 'sig' }, createdAt }
}

/** A new Ed25519 key pair as a private JWK, its kid being the RFC 7638 thumbprint. */
export async function generatePrivateJwk(): Promise<JWK & { kid: string }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(publicPart(jwk))
  return { ...jwk, kid }
}

/**
 * `JWT_PRIVATE_KEY`: one private JWK, or a JWKS `{"keys": [...]}` whose first key signs and
 * whose others are still published (rotation by configuration).
 */
export class EnvKeySource implements KeySource {
  readonly kind = 'env'
  constructor(private readonly json: string) {}

  async load() {
    let parsed: unknown
    try {
      parsed = JSON.parse(this.json)
    } catch {
      throw new Error('JWT_PRIVATE_KEY: not valid JSON (expected a private Ed25519 JWK)')
    }
    const jwks = Array.isArray((parsed as JSONWebKeySet).keys)
      ? (parsed as JSONWebKeySet).keys
      : [parsed as JWK]
    if (jwks.length === 0) throw new Error('JWT_PRIVATE_KEY: the key set is empty')
    const now = Date.now()
    return Promise.all(
      jwks.map((jwk, i) => {
        assertEd25519(jwk, 'JWT_PRIVATE_KEY')
        return toSigningKey(jwk, new Date(now - i))
      }),
    )
  }
}

/**
 * Embedded mode: one JSON file per key in `${DATA_DIR}/keys/` (mode 0600), generated on first
 * start. To rotate, add a newer key file; remove the old one once its tokens have expired.
 */
export class FileKeySource implements KeySource {
  readonly kind = 'files'
  constructor(private readonly dir: string) {}

  async load() {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    let keys = this.read()
    if (keys.length === 0) {
      const jwk = await generatePrivateJwk()
      const stored: StoredKey = {
        kid: jwk.kid,
        alg: SIGNING_ALG,
        created_at: new Date().toISOString(),
        private_jwk: jwk,
      }
      const path = join(this.dir, `${jwk.kid}.json`)
      writeFileSync(path, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
      chmodSync(path, 0o600) // @NOTE the umask may have narrowed it already; never widened.
      keys = this.read()
    }
    return Promise.all(keys.map((k) => toSigningKey(k.private_jwk, new Date(k.created_at), k.kid)))
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
      } catch {
        throw new Error(`${path}: not a valid key file`)
      }
      assertEd25519(stored.private_jwk, path)
      keys.push(stored)
    }
    return keys.sort((a, b) => b.created_at.localeCompare(a.created_at))
  }
}

/**
 * With DATABASE_URL: keys in `auth.signing_keys`, shared by every node. The first key is
 * inserted if absent on generation 1, so nodes that start at once all end up with the winner.
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
  dbUrl?: string
  dataDir: string
  db: Db
}): KeySource {
  if (options.privateKey) return new EnvKeySource(options.privateKey)
  if (options.dbUrl) return new DatabaseKeySource(options.db)
  return new FileKeySource(join(options.dataDir, 'keys'))
}

/** The active keys: the newest signs, all of them verify (so keys can rotate without logouts). */
export class KeyRing {
  private keys: SigningKey[] = []
  private loading?: Promise<void>

  constructor(private readonly source: KeySource) {}

  get kind() {
    return this.source.kind
  }

  /** (Re)reads the keys from their source. */
  async reload(): Promise<void> {
    this.loading ??= this.source
      .load()
      .then((keys) => {
        this.keys = [...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      })
      .finally(() => {
        this.loading = undefined
      })
    return this.loading
  }

  /** The key that signs new tokens. */
  current(): SigningKey {
    const key = this.keys[0]
    if (!key) throw new Error('no signing key loaded')
    return key
  }

  /** The public JWKS (GET /.well-known/jwks.json). */
  jwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) }
  }
}
