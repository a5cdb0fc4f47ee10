/**
 * Child processes of the bench: every child is tracked and killed at the end, on error and on
 * SIGINT/SIGTERM; cleanups (scratch databases, temp dirs) run once after that. Servers are pinned
 * to CPU 0 and load generators to CPU 1 (`taskset`), with the open-files limit raised (`prlimit`)
 * when a scenario needs more descriptors than the default.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'

import { profile, ROOT, verbose } from './options'

export const SERVER_CPU = '0'
export const LOADGEN_CPU = '1'

const children = new Set<ChildProcess>()
const cleanups: Array<() => Promise<void> | void> = []
export const onCleanup = (fn: () => Promise<void> | void) => cleanups.push(fn)

function killAll() {
  for (const c of children)
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
}
let stopping = false
export async function stop(code: number) {
  if (stopping) return
  stopping = true
  killAll()
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined)
  process.exit(code)
}
process.on('SIGINT', () => void stop(130))
process.on('SIGTERM', () => void stop(143))
process.on('exit', killAll)

export const stamp = new Date().toISOString().replace(/[:.]/g, '-')
export const work = mkdtempSync(join(tmpdir(), 'parley-bench-'))
onCleanup(() => {
  if (!profile) rmSync(work, { recursive: true, force: true })
})
export const log = (text: string) => process.stderr.write(`[bench] ${text}\n`)

/** The open-files limit a child gets: `prlimit` can raise the soft limit up to the hard one only. */
export function fileLimit(needed: number): number {
  return Math.min(hardFileLimit, Math.max(needed, 4096))
}
/** `ulimit -Hn` of this process: only root with CAP_SYS_RESOURCE can go above it (see docs/BENCHMARKS.md). */
export const hardFileLimit =
  Number(
    (spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout ?? '')
      .trim()
      .replace('unlimited', String(2 ** 20)),
  ) || 1024

/** `prlimit --nofile=N:N taskset -c CPU …`: pinned, with `files` descriptors allowed. */
export const pinned = (cpu: string, files: number, args: string[]) => [
  `--nofile=${files}:${files}`,
  'taskset',
  '-c',
  cpu,
  ...args,
]

/** The parent's environment with `extra` on top; a variable set to '' in `extra` is removed. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  for (const [k, v] of Object.entries(extra)) if (v === '') delete env[k]
  return env
}

export function run(
  cmd: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv
    cwd?: string
    timeoutMs: number
    label: string
    onStderr?: (text: string) => void
  },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, {
      env: childEnv(opts.env),
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      opts.onStderr?.(String(d))
      if (verbose) process.stderr.write(String(d).replace(/^/gm, `  [${opts.label}] `))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      children.delete(child)
      res({ code: code ?? -1, stdout, stderr })
    })
  })
}

/** The last JSON line a load generator printed, or an error with its stderr. */
export function lastJson<T>(r: { code: number; stdout: string; stderr: string }, what: string): T {
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop()
  if (r.code !== 0 || !line) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.slice(-1500)}`)
  return JSON.parse(line) as T
}

export interface Server {
  pid: number
  port: number
  readyMs: number
  stop(): Promise<void>
}

/** Starts a server pinned to CPU 0 and waits until `ready` answers. */
export async function startServer(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (port: number) => Promise<boolean>,
  port: number,
  files = 20_000,
): Promise<Server> {
  const t0 = performance.now()
  const child = spawn('prlimit', pinned(SERVER_CPU, fileLimit(files), args), {
    env: childEnv(env),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<void>((r) => child.on('exit', () => (children.delete(child), r())))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited: ${output.slice(-2000)}`)
    if (await ready(port).catch(() => false)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${label} not ready in 60 s: ${output.slice(-2000)}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const readyMs = performance.now() - t0
  return {
    // prlimit and taskset exec the server: the child's pid is the server's.
    pid: child.pid!,
    port,
    readyMs,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      if (verbose && output) process.stderr.write(output.slice(-3000).replace(/^/gm, `  [${label}] `))
    },
  }
}

/** The id of the thread named `name` of process `pid`; throws when it has none. */
export function threadId(pid: number, name: string): number {
  const tid = readdirSync(`/proc/${pid}/task`).find(
    (t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === name,
  )
  if (!tid) throw new Error(`process ${pid} has no thread named ${name}`)
  return Number(tid)
}

/**
 * Lets thread `tid` run on every core this bench may use, out of its process's pin to CPU 0
 * (`taskset -p`). Throws when that fails, so that a layout asked for is never silently not the one
 * measured.
 */
export function unpinThread(tid: number) {
  const all = `0-${availableParallelism() - 1}`
  const r = spawnSync('taskset', ['-p', '-c', all, String(tid)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`taskset -p -c ${all} ${tid} failed: ${r.stderr}`)
}

export const httpReady = (path: string) => async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}${path}`)).ok
export const tcpReady = (port: number) =>
  new Promise<boolean>((res) => {
    const s = connect(port, '127.0.0.1')
    s.on('connect', () => (s.destroy(), res(true)))
    s.on('error', () => res(false))
  })
