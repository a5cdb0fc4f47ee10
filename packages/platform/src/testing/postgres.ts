import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pg from 'pg'

import { freePort } from './redis'

/** The newest installed PostgreSQL's binaries (Debian layout), or the ones on PATH. */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((x, y) => Number(y) - Number(x))
    for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name)
  }
  return name
}

/** PostgreSQL refuses to run as root: run its binaries as the `postgres` user then. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
}

/**
 * A throwaway PostgreSQL cluster in a temp directory on a free loopback port, for tests that
 * kill and restart the database without touching the shared server.
 */
export class ThrowawayPostgres {
  private child?: ChildProcess
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  static async start(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'))
    chmodSync(dir, 0o777)
    const dataDir = join(dir, 'data')
    const [cmd, args] = asPostgres(pgBin('initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ])
    execFileSync(cmd, args, { stdio: 'ignore' })
    const server = new ThrowawayPostgres(dir, await freePort())
    await server.restart()
    return server
  }

  private get logFile() {
    return join(this.dir, 'postgres.log')
  }

  /** The end of the server's log (every start appends to it), for a test's failure message. */
  logTail(chars = 3000): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-chars) : ''
  }

  /** Starts (again) on the same port and waits until it accepts queries. */
  async restart() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      throw new Error('postgres is already running')
    const [cmd, args] = asPostgres(pgBin('postgres'), [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${this.dir}`,
      '-c',
      'fsync=off',
    ])
    // The server's own log, kept for a failing test to show (logTail).
    const log = openSync(this.logFile, 'a')
    this.child = spawn(cmd, args, { stdio: ['ignore', log, log] })
    closeSync(log)
    const deadline = Date.now() + 20_000
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.query('select 1')
        return
      } catch {
        if (Date.now() > deadline) throw new Error(`postgres did not start on port ${this.port}`)
      } finally {
        await client.end().catch(() => {})
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Kills the postmaster and its backends abruptly (as a crash or a lost machine would). */
  async kill() {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      // @NOTE Signal the postmaster itself (runuser does not forward SIGQUIT). SIGQUIT is PostgreSQL's
      // immediate shutdown: no checkpoint, every backend dies at once, as in a crash.
      const pid = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 'SIGQUIT')
    })
  }

  async stop() {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
