import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig, parseTrustProxy, redactCredentials } from './config'

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('config: secrets in errors (issue 14, point 11)', () => {
  const secretValues: Record<string, string> = {
    DATABASE_URL: 'mysql://parley:hunter2-db@db:3306/parley',
    REDIS_URL: 'http://:hunter2-redis@redis:6379',
    S3_URL: 's3://key:hunter2-s3@minio',
    SMTP_URL: 'http://user:hunter2-smtp@mail',
    CARD_FINGERPRINT_KEY: 'hunter2-short',
    METRICS_TOKEN: 'hunter2',
    VAPID_PRIVATE_KEY: 'hunter2-vapid',
  }

  for (const [name, value] of Object.entries(secretValues)) {
    it(`names ${name} and its problem, never its value`, () => {
      const message = problemsOf({ [name]: value })
      expect(message).toContain(name)
      expect(message).not.toContain('hunter2')
    })
  }

  it('still quotes the value of ordinary variables', () => {
    expect(problemsOf({ PORT: 'eighty' })).toContain('PORT="eighty"')
  })
})

describe('config: TRUST_PROXY (point 1)', () => {
  it('trusts no proxy by default, in either mode', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false)
    expect(
      loadConfig({ DATABASE_URL: 'postgres://x@db/p', REDIS_URL: 'redis://r:6379' }).http.trustProxy,
    ).toBe(false)
  })

  it('takes a hop count or a list of addresses and CIDRs', () => {
    expect(parseTrustProxy('1')).toBe(1)
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.7,::1, fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ])
  })

  it('refuses anything else, naming the variable', () => {
    expect(problemsOf({ TRUST_PROXY: 'true' })).toMatch(
      /TRUST_PROXY="true": "true" is not an IP address or CIDR/,
    )
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toContain('TRUST_PROXY')
    expect(problemsOf({ TRUST_PROXY: '99' })).toContain('hop count')
  })
})

describe('config: slow-client limits (point 3)', () => {
  it('defaults to 10 s for headers, 60 s per request and 5 s idle', () => {
    expect(loadConfig({}).http).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      idleTimeoutMs: 5_000,
    })
  })

  it('takes seconds with fractions and refuses nonsense', () => {
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT: '0.5', HTTP_REQUEST_TIMEOUT: '1.5' }).http).toMatchObject({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1500,
    })
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT: '0' })).toContain('HTTP_HEADERS_TIMEOUT')
    expect(problemsOf({ HTTP_IDLE_TIMEOUT: 'soon' })).toContain('HTTP_IDLE_TIMEOUT')
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT: '20', HTTP_REQUEST_TIMEOUT: '10' })).toContain(
      'HTTP_REQUEST_TIMEOUT',
    )
  })
})

describe('config: metrics (point 11)', () => {
  it('keeps /metrics off the public port unless a token or a port is given', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, token: undefined, openOnPublicPort: false })
    expect(loadConfig({ METRICS_PORT: '9090' }).metrics.port).toBe(9090)
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toMatch(/METRICS_TOKEN: must be at least 16/)
  })
})

describe('config: DATABASE_PREPARE', () => {
  it('prepares hot statements unless told off, and refuses other values', () => {
    expect(loadConfig({}).db.prepare).toBe(true)
    expect(loadConfig({ DATABASE_PREPARE: 'off' }).db.prepare).toBe(false)
    expect(problemsOf({ DATABASE_PREPARE: 'no' })).toContain('DATABASE_PREPARE')
  })
})

describe('config: start-up errors never print a password (point 11)', () => {
  it('refuses a postgres URL that does not parse, without its value', () => {
    const message = problemsOf({ DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:99999/db' })
    expect(message).toContain('DATABASE_URL: is not a valid URL')
    expect(message).not.toContain('hunter2')
  })

  it('hides the password of any URL in a text', () => {
    expect(redactCredentials('connect postgres://parley:s3cr:et@db:5432/p failed; redis://:pw@r:6379')).toBe(
      'connect postgres://parley:[redacted]@db:5432/p failed; redis://:[redacted]@r:6379',
    )
    expect(redactCredentials('see https://example.com/a:b')).toBe('see https://example.com/a:b')
  })
})

describe('config: Web Push (VAPID)', () => {
  const publicKey = `B${'A'.repeat(86)}`
  const privateKey = 'a'.repeat(43)

  it('leaves the keys to the chat service by default, with a subject from PUBLIC_URL or MAIL_FROM', () => {
    expect(loadConfig({}).push).toEqual({
      vapidPublicKey: undefined,
      vapidPrivateKey: undefined,
      vapidSubject: 'mailto:no-reply@parley.local',
    })
    expect(loadConfig({ PUBLIC_URL: 'https://chat.example.com' }).push.vapidSubject).toBe(
      'https://chat.example.com',
    )
    expect(loadConfig({ MAIL_FROM: 'Ops <ops@example.com>' }).push.vapidSubject).toBe(
      'mailto:ops@example.com',
    )
  })

  it('takes a configured pair and subject', () => {
    const push = loadConfig({
      VAPID_PUBLIC_KEY: publicKey,
      VAPID_PRIVATE_KEY: privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
    }).push
    expect(push).toEqual({
      vapidPublicKey: publicKey,
      vapidPrivateKey: privateKey,
      vapidSubject: 'mailto:ops@example.com',
    })
  })

  it('wants both keys or neither, well formed, and a mailto: or https: subject', () => {
    expect(problemsOf({ VAPID_PUBLIC_KEY: publicKey })).toContain(
      'VAPID_PRIVATE_KEY: required with VAPID_PUBLIC_KEY',
    )
    expect(problemsOf({ VAPID_PRIVATE_KEY: privateKey })).toContain(
      'VAPID_PUBLIC_KEY: required with VAPID_PRIVATE_KEY',
    )
    expect(problemsOf({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: privateKey })).toContain(
      'VAPID_PUBLIC_KEY="short"',
    )
    expect(problemsOf({ VAPID_SUBJECT: 'http://example.com' })).toContain('VAPID_SUBJECT')
  })
})
