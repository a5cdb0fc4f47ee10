import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type JSONWebKeySet,
  type JWK,
} from 'jose'

export const SIGNING_ALG = 'EdDSA'

const HOW_TO_MAKE_ONE = 'make one with `parley keys generate` or `openssl genpkey -algorithm ed25519`'

/** A key given in configuration cannot be used; the message names the variable and what to do. */
export class KeyFormatError extends Error {
  override name = 'KeyFormatError'
}

/** An Ed25519 JWK with its kid (given, else its RFC 7638 thumbprint). */
export type KeyJwk = JWK & { kid: string }

/** The public half of an Ed25519 JWK (what the JWKS serves, what a thumbprint is computed from). */
export function publicPart(jwk: JWK): JWK {
  const { kty, crv, x } = jwk
  return { kty, crv, x }
}

/** A new Ed25519 key pair as a private JWK, its kid being the RFC 7638 thumbprint. */
export async function generatePrivateJwk(): Promise<KeyJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: await calculateJwkThumbprint(publicPart(jwk)) }
}

/** A new signing key as text for JWT_PRIVATE_KEY: PKCS#8 PEM (as openssl writes it) or a JWK. */
export async function generateKeyText(format: 'pem' | 'jwk'): Promise<string> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true })
  if (format === 'pem') return (await exportPKCS8(privateKey)).trim()
  const jwk = await exportJWK(privateKey)
  return JSON.stringify({ ...jwk, kid: await calculateJwkThumbprint(publicPart(jwk)) })
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g

/**
 * Reads the keys of a configuration variable: one or more PEM blocks (PKCS#8 `PRIVATE KEY`, or
 * SPKI `PUBLIC KEY` when `privateOnly` is false), a JWK, or a JWKS `{"keys": [...]}`. Every key
 * must be Ed25519. Throws a {@link KeyFormatError} naming `where` and the fix.
 *
 * @example await parseKeys(process.env.JWT_PRIVATE_KEY!, 'JWT_PRIVATE_KEY', { privateOnly: true })
 */
export async function parseKeys(
  text: string,
  where: string,
  options: { privateOnly: boolean },
): Promise<KeyJwk[]> {
  // @NOTE Some secret stores and .env writers keep a PEM on one line with literal `\n`s.
  const value = text.includes('-----BEGIN') ? text.replace(/\\n/g, '\n').trim() : text.trim()
  if (!value) throw new KeyFormatError(`${where} is empty (${HOW_TO_MAKE_ONE})`)
  const jwks = value.startsWith('-----BEGIN') ? await fromPem(value, where, options) : fromJson(value, where)
  if (jwks.length === 0) throw new KeyFormatError(`${where}: the key set is empty`)
  return Promise.all(
    jwks.map(async (jwk) => {
      assertEd25519(jwk, where, options.privateOnly)
      const pub = publicPart(jwk)
      return { ...(jwk.d ? { ...pub, d: jwk.d } : pub), kid: jwk.kid ?? (await calculateJwkThumbprint(pub)) }
    }),
  )
}

async function fromPem(
  value: string,
  where: string,
  { privateOnly }: { privateOnly: boolean },
): Promise<JWK[]> {
  const blocks = [...value.matchAll(PEM_BLOCK)]
  if (blocks.length === 0) throw new KeyFormatError(`${where}: the PEM has no END line (paste the whole key)`)
  const keys: JWK[] = []
  for (const [block, label] of blocks) {
    try {
      if (label === 'PRIVATE KEY')
        keys.push(await exportJWK(await importPKCS8(block, SIGNING_ALG, { extractable: true })))
      else if (label === 'PUBLIC KEY' && !privateOnly)
        keys.push(await exportJWK(await importSPKI(block, SIGNING_ALG, { extractable: true })))
      else
        throw new KeyFormatError(
          `${where}: a "${label}" PEM is not an Ed25519 ${privateOnly ? 'private key in PKCS#8' : 'key'} (${HOW_TO_MAKE_ONE})`,
        )
    } catch (err) {
      if (err instanceof KeyFormatError) throw err
      throw new KeyFormatError(`${where}: not an Ed25519 key (${HOW_TO_MAKE_ONE})`)
    }
  }
  return keys
}

function fromJson(value: string, where: string): JWK[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new KeyFormatError(`${where}: neither a PEM key nor a JSON JWK (${HOW_TO_MAKE_ONE})`)
  }
  if (!parsed || typeof parsed !== 'object')
    throw new KeyFormatError(`${where}: expected a JWK object or {"keys": [...]}`)
  const set = parsed as JSONWebKeySet
  return Array.isArray(set.keys) ? set.keys : [parsed]
}

function assertEd25519(jwk: JWK, where: string, privateOnly: boolean) {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new KeyFormatError(
      `${where}: expected an Ed25519 key ({"kty":"OKP","crv":"Ed25519",...}); ${HOW_TO_MAKE_ONE}`,
    )
  }
  if (privateOnly && typeof jwk.d !== 'string') {
    throw new KeyFormatError(
      `${where}: this is a public key; a private key is needed to sign (${HOW_TO_MAKE_ONE})`,
    )
  }
}
