import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EnvKeySource, FileKeySource, generatePrivateJwk, KeyRing } from './signing-keys'

describe(FileKeySource.name, () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('generates one key on first start, keeps it 0600, and finds the same one next time', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'auth-keys-')), 'keys')
    dirs.push(dir)
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
    await expect(new EnvKeySource('not json').load()).rejects.toThrow(/JWT_PRIVATE_KEY/)
    await expect(new EnvKeySource('{"kty":"RSA","n":"x","e":"AQAB"}').load()).rejects.toThrow(/Ed25519/)
    const { d: _d, ...publicOnly } = await generatePrivateJwk()
    await expect(new EnvKeySource(JSON.stringify(publicOnly)).load()).rejects.toThrow(/private/)
  })
})
