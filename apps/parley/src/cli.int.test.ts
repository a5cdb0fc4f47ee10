import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

const BIN = resolve(import.meta.dirname, '../bin/parley.js')
const scratch = mkdtempSync(join(tmpdir(), 'parley-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real `parley` bin in a scratch directory (its own DATA_DIR, no .env but ours). */
function parley(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<Run>((done, fail) => {
    // @NOTE The CLI runs embedded here whatever the suite's DATABASE_URL / REDIS_URL (CI sets them).
    const { LOG_LEVEL: _level, DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? scratch,
      env: { ...env, DATA_DIR: join(scratch, 'data'), PORT: '0', ...options.env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(
        new Error(
          `parley ${args.join(' ')} still running after ${options.timeoutMs ?? 20_000} ms; stdout: ${stdout}`,
        ),
      )
    }, options.timeoutMs ?? 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

const lines = (s: string) => s.split('\n').filter(Boolean)

describe('parley CLI', () => {
  it.each([['--help'], ['-h'], ['help']])(
    '`parley %s` prints the usage on stdout and exits 0',
    async (flag) => {
      const run = await parley([flag])
      expect(run).toMatchObject({ code: 0, stderr: '' })
      expect(run.stdout).toMatch(/^Usage: parley/)
      for (const command of ['start', 'serve', 'tenants create', 'keys generate', 'keys rotate', 'keys list'])
        expect(run.stdout).toContain(`  ${command}`)
    },
  )

  it('`parley --version` prints the version on stdout and exits 0', async () => {
    const run = await parley(['--version'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })

  it.each([
    [['start', '--help']],
    [['start', '-h']],
    [['serve', '--help']],
    [['tenants', 'create', '--help']],
    [['help', 'tenants', 'create']],
    [['tenants', '--help']],
  ])('`parley %j` prints that help and does not run the command', async (args) => {
    const run = await parley(args, { timeoutMs: 10_000 })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^Usage: parley /)
    expect(run.stdout).not.toContain('Parley is running')
  })

  it.each([
    [['bogus'], /unknown command "bogus"/],
    [['--bogus'], /unknown option '--bogus'/],
    [['start', '--bogus'], /start: unknown option '--bogus'/],
    [['start', 'extra'], /start takes no arguments/],
    [['serve', 'nope'], /no service "nope"/],
    [['tenants'], /tenants needs a subcommand \(create\)/],
    [['tenants', 'create'], /tenants create needs <slug>/],
    [['help', 'nope'], /no command "nope"/],
    [['keys'], /keys needs a subcommand \(generate, rotate, list\)/],
    [['keys', 'spin'], /keys has no subcommand "spin"/],
    [['keys', 'generate', '--format', 'xml'], /--format is pem or jwk, not "xml"/],
  ])('`parley %j` is a usage error: exit 2, one line on stderr saying what to do', async (args, message) => {
    const run = await parley(args)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(lines(run.stderr)).toHaveLength(1)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).toMatch(/Run `parley .*--help`/)
  })

  it('an operational error is one line on stderr, exit 1, no stack; LOG_LEVEL=debug adds the stack', async () => {
    const run = await parley(['tenants', 'create', 'BAD_SLUG!'], { timeoutMs: 60_000 })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(lines(run.stderr)).toEqual([
      'parley: invalid slug: Use lowercase letters, digits and hyphens (not at either end).',
    ])

    const debug = await parley(['tenants', 'create', 'BAD_SLUG!'], {
      env: { LOG_LEVEL: 'debug' },
      timeoutMs: 60_000,
    })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/^parley: invalid slug/)
    expect(debug.stderr).toMatch(/\n\s+at /)
  })

  it('a bad variable is one line naming it, exit 1', async () => {
    const run = await parley(['start'], { env: { PORT: 'eighty' } })
    expect(run.code).toBe(1)
    expect(lines(run.stderr)).toHaveLength(1)
    expect(run.stderr).toMatch(/^parley: invalid configuration: PORT="eighty"/)
  })

  it('reads ./.env when present, and the environment wins over it', async () => {
    const cwd = mkdtempSync(join(scratch, 'env-'))
    writeFileSync(join(cwd, '.env'), 'PORT=eighty\nHOST=\n')
    const fromFile = await parley(['start'], { cwd, env: { PORT: undefined } })
    expect(fromFile.code).toBe(1)
    expect(fromFile.stderr).toMatch(/PORT="eighty"/)
    writeFileSync(join(cwd, '.env'), 'PORT=eighty\n')
    const overridden = await parley(['start'], { cwd, env: { PORT: 'ninety' } })
    expect(overridden.stderr).toMatch(/PORT="ninety"/)
  })

  it('`parley keys generate` prints a PEM on stdout (a JWK with --format jwk)', async () => {
    const pem = await parley(['keys', 'generate'])
    expect(pem).toMatchObject({ code: 0, stderr: '' })
    expect(pem.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]+\n-----END PRIVATE KEY-----\n$/)
    const jwk = await parley(['keys', 'generate', '--format', 'jwk'])
    expect(JSON.parse(jwk.stdout)).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      d: expect.any(String),
      kid: expect.any(String),
    })
  })

  it('`parley keys rotate` adds a key to DATA_DIR/keys; with JWT_PRIVATE_KEY it says to rotate there', async () => {
    const dataDir = mkdtempSync(join(scratch, 'keys-'))
    const rotate = await parley(['keys', 'rotate'], { env: { DATA_DIR: dataDir } })
    expect(rotate).toMatchObject({ code: 0, stderr: '' })
    const kid = /Added signing key (\S+);/.exec(rotate.stdout)![1]
    expect(readdirSync(join(dataDir, 'keys')).sort()).toHaveLength(2)
    const list = await parley(['keys', 'list'], { env: { DATA_DIR: dataDir } })
    expect(lines(list.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^  ${kid}  created \\S+  signs new tokens$`)),
      expect.stringMatching(/^  \S+  created \S+  verifies until \S+$/),
    ])

    const fromEnv = await parley(['keys', 'rotate'], {
      env: { DATA_DIR: dataDir, JWT_PRIVATE_KEY: (await parley(['keys', 'generate'])).stdout },
    })
    expect(fromEnv.code).toBe(1)
    expect(lines(fromEnv.stderr)).toEqual([
      expect.stringMatching(/^parley: JWT_PRIVATE_KEY is set, .* rotate them there/),
    ])
  })
})
