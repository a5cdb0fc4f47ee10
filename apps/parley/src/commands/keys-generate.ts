import { defineCommand, UsageError } from '../cli/command'

export const keysGenerateCommand = defineCommand({
  name: 'keys generate',
  summary: 'print a new Ed25519 signing key for JWT_PRIVATE_KEY',
  usage: '',
  description: [
    'Prints a PKCS#8 PEM (the same as `openssl genpkey -algorithm ed25519`), or a JWK with',
    '--format jwk, on stdout; nothing is stored. Example:',
    '  parley keys generate > jwt-key.pem && chmod 600 jwt-key.pem',
    '  JWT_PRIVATE_KEY="$(cat jwt-key.pem)" docker compose -f deploy/compose.yaml -p parley up',
  ].join('\n'),
  options: {
    format: { type: 'string', description: 'pem (default) or jwk', valueName: 'pem|jwk' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const format = values.format ?? 'pem'
    if (format !== 'pem' && format !== 'jwk') {
      throw new UsageError(
        `keys generate: --format is pem or jwk, not "${format}". Run \`parley keys generate --help\`.`,
      )
    }
    const { generateKeyText } = await import('@parley/auth/keys')
    io.out(await generateKeyText(format))
    return 0
  },
})
