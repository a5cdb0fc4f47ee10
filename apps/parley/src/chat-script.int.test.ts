import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')

/** Runs scripts/chat.ts as `npm run chat` does, stdin not a terminal. */
function chat(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const { PARLEY_PASSWORD: _p, LOG_LEVEL: _l, ...base } = process.env
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chat.ts', ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
    })
    child.stdin.end()
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

/** A port nothing listens on: bound, then released. */
async function closedPort() {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

describe('scripts/chat.ts', () => {
  it('says in one line that the server cannot be reached (no fetch stack)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const run = await chat(['--email', 'a@example.com', '--url', url], { PARLEY_PASSWORD: 'secret' })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `chat: cannot reach Parley at ${url} (connection refused). Is it running (\`npm start\`)? Otherwise pass --url.\n`,
    )
  })

  it('refuses a password on the command line', async () => {
    const run = await chat(['--email', 'a@example.com', '--password', 'secret'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^chat: no --password: .*PARLEY_PASSWORD/)
  })

  it('without PARLEY_PASSWORD and no terminal to prompt on, says to set it', async () => {
    const run = await chat(['--email', 'a@example.com'])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      'chat: no password: set PARLEY_PASSWORD (stdin is not a terminal, so there is no prompt).\n',
    )
  })
})
