import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { generateKeyText, parseKeys } from './key-formats'
import {
  EnvKeySource,
  FileKeySource,
  generatePrivateJwk,
  KEY_RELOAD_MS,
  KeyRing,
  rotateSigningKey,
} from './signing-keys'

describe(FileKeySource.name, () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('generates one key on first start, keeps it 0600, and finds the same one next time', async () => {
    const root = mkdtempSync(join(tmpdir(), 'auth-keys-'))
    dirs.push(root) // the temporary directory itself, not only the keys folder inside it
    const dir = join(root, 'keys')
    const ring = new KeyRing(new FileKeySource(dir))
    await ring.reload()
    const [file] = readdirSync(dir)
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600)
    const again = new KeyRing(new FileKeySource(dir))
    await again.reload()
    expect(again.current().kid).toBe(ring.current().kid)
    expect(again.jwks()).toEqual(ring.jwks())
    expect(JSON.stringify(ring.jwks())).not.toContain('"d"')
  })
})

describe(EnvKeySource.name, () => {
  it('takes one private JWK, or a JWKS whose first key signs and whose others stay published', async () => {
    const a = await generatePrivateJwk()
    const b = await generatePrivateJwk()
    const one = new KeyRing(new EnvKeySource(JSON.stringify(a)))
    await one.reload()
    expect(one.current().kid).toBe(a.kid)
    const rotated = new KeyRing(new EnvKeySource(JSON.stringify({ keys: [b, a] })))
    await rotated.reload()
    expect(rotated.current().kid).toBe(b.kid)
    expect(rotated.jwks().keys.map((k) => k.kid)).toEqual([b.kid, a.kid])
  })

  it('explains a bad key', async () => {
    await expect(new EnvKeySource('not json').load()).rejects.toThrow(
      /JWT_PRIVATE_KEY: neither a PEM key nor a JSON JWK/,
    )
    await expect(new EnvKeySource('{"kty":"RSA","n":"x","e":"AQAB"}').load()).rejects.toThrow(/Ed25519/)
    const { d: _d, ...publicOnly } = await generatePrivateJwk()
    await expect(new EnvKeySource(JSON.stringify(publicOnly)).load()).rejects.toThrow(/private/)
  })
})

describe('JWT_PRIVATE_KEY formats', () => {
  it('takes a PKCS#8 PEM as openssl writes it, also with literal \\n escapes, and agrees with its JWK', async () => {
    // @NOTE Made with `openssl genpkey -algorithm ed25519`; a throwaway, never used anywhere.
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICEeP1xAS/aVCTkVzUlR5yxnKUGI7elnUB0mECsnOKP9\n-----END PRIVATE KEY-----\n'
    const ring = new KeyRing(new EnvKeySource(pem))
    await ring.reload()
    const [jwk] = await parseKeys(pem, 'JWT_PRIVATE_KEY', { privateOnly: true })
    expect(ring.current().kid).toBe(jwk.kid)
    const escaped = new KeyRing(new EnvKeySource(pem.replace(/\n/g, '\\n')))
    await escaped.reload()
    expect(escaped.jwks()).toEqual(ring.jwks())
    const asJwk = new KeyRing(new EnvKeySource(JSON.stringify(jwk)))
    await asJwk.reload()
    expect(asJwk.jwks()).toEqual(ring.jwks())
  })

  it('takes what `parley keys generate` prints, in both formats', async () => {
    for (const format of ['pem', 'jwk'] as const) {
      const ring = new KeyRing(new EnvKeySource(await generateKeyText(format)))
      await ring.reload()
      expect(ring.current().privateKey).toBeDefined()
    }
  })

  it('explains a PEM that is not an Ed25519 PKCS#8 private key', async () => {
    const rsa = '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----'
    await expect(parseKeys(rsa, 'JWT_PRIVATE_KEY', { privateOnly: true })).rejects.toThrow(
      /"RSA PRIVATE KEY" PEM is not an Ed25519/,
    )
    await expect(
      parseKeys('-----BEGIN PRIVATE KEY-----\nCHANGE-ME\n-----END PRIVATE KEY-----', 'JWT_PRIVATE_KEY', {
        privateOnly: true,
      }),
    ).rejects.toThrow(/JWT_PRIVATE_KEY: not an Ed25519 key \(make one with `parley keys generate`/)
    await expect(
      parseKeys('-----BEGIN PRIVATE KEY-----\nMC4C', 'JWT_PRIVATE_KEY', { privateOnly: true }),
    ).rejects.toThrow(/no END line/)
  })

  it('JWT_VERIFY_KEYS: the previous key keeps verifying (public half only), the env key signs', async () => {
    const next = await generatePrivateJwk()
    const previous = await generatePrivateJwk()
    const ring = new KeyRing(new EnvKeySource(JSON.stringify(next), JSON.stringify(previous)), {
      accessTtlSeconds: 1,
      now: () => Date.now() + 3_600_000,
    })
    await ring.reload()
    expect(ring.current().kid).toBe(next.kid)
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([next.kid, previous.kid])
    expect(JSON.stringify(ring.jwks())).not.toContain('"d"')
  })
})

describe('rotation of stored keys', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('the new key signs, the old one verifies until its last token has expired, then is deleted', async () => {
    const root = mkdtempSync(join(tmpdir(), 'auth-keys-'))
    dirs.push(root) // the temporary directory itself, not only the keys folder inside it
    const dir = join(root, 'keys')
    const source = new FileKeySource(dir)
    let now = Date.now()
    const ring = new KeyRing(source, { accessTtlSeconds: 900, now: () => now })
    await ring.reload()
    const old = ring.current().kid
    const added = await rotateSigningKey(source)
    await ring.reload()
    expect(ring.current().kid).toBe(added.kid)
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([added.kid, old])
    const until = ring.list()[1].retiresAt!.getTime()
    // The old key may still sign until every server reloads, then its tokens live ACCESS_TOKEN_TTL.
    expect(until - Date.now()).toBeGreaterThanOrEqual((KEY_RELOAD_MS + 900_000) * 0.99)

    now = until - 1
    await ring.reload()
    expect(ring.jwks().keys).toHaveLength(2)
    now = until
    await ring.reload()
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([added.kid])
    expect(readdirSync(dir)).toEqual([`${added.kid}.json`])
  })

  it('refuses to rotate keys that come from the environment', async () => {
    const source = new EnvKeySource(await generateKeyText('pem'))
    await expect(rotateSigningKey(source)).rejects.toThrow(/JWT_PRIVATE_KEY: rotate it there/)
  })
})
