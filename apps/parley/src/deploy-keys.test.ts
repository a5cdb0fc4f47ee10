import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { generateKeyText } from '@parley/auth/keys'
import { afterAll, describe, expect, it } from 'vitest'

import { validateKeys } from '../../../deploy/validate'

const K8S = resolve(import.meta.dirname, '../../../deploy/k8s')

describe('npm run lint:deploy parses the signing key it is given', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('accepts the template as written, and a generated PEM or JWK in JWT_PRIVATE_KEY', async () => {
    expect(await validateKeys({}, K8S)).toEqual([])
    expect(await validateKeys({ JWT_PRIVATE_KEY: await generateKeyText('pem') }, K8S)).toEqual([])
    expect(await validateKeys({ JWT_PRIVATE_KEY: await generateKeyText('jwk') }, K8S)).toEqual([])
  })

  it('reports a key the server would refuse, in the environment or a filled-in Secret', async () => {
    expect(await validateKeys({ JWT_PRIVATE_KEY: 'not a key' }, K8S)).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY: neither a PEM key nor a JSON JWK/),
    ])
    const dir = mkdtempSync(join(tmpdir(), 'k8s-'))
    dirs.push(dir)
    cpSync(K8S, dir, { recursive: true })
    const secret = join(dir, 'secret.example.yaml')
    writeFileSync(
      secret,
      readFileSync(secret, 'utf8').replace('CHANGE-ME\n', 'MC4CAQAwBQYDK2VwBCIEIBROKEN\n'),
    )
    expect(await validateKeys({}, dir)).toEqual([
      expect.stringMatching(/^secret.example.yaml: JWT_PRIVATE_KEY: not an Ed25519 key/),
    ])
  })
})
