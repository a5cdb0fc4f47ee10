import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import type { Database } from '@parley/platform'

import { checkArchive, packArchive, writeAtomically } from './archive'
import { BackupError, type Manifest, ManifestSchema } from './manifest'
import { makeStagingDir, takeSnapshot } from './snapshot'

/*
 * The local control channel of a running embedded install: a Unix socket (a named pipe on
 * Windows) in a 0700 folder, so only the user who owns the data directory can reach it. It
 * answers one request, `{"op":"backup"}`, with a header line then the archive's bytes: the
 * PGlite database is single-process, so a backup of a running install has to be taken by the
 * process that holds it.
 */

/** Where the control socket of the install in `dataDir` listens. */
export function controlSocketPath(dataDir: string): string {
  const full = resolve(dataDir)
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16)
  if (process.platform === 'win32') return `\\\\.\\pipe\\parley-${hash}`
  const inDataDir = join(full, 'run', 'control.sock')
  // @NOTE A Unix socket path is limited to about 104 bytes; a deep DATA_DIR gets one in the temp folder.
  return inDataDir.length < 100
    ? inDataDir
    : join(tmpdir(), `parley-${process.getuid?.() ?? 0}-${hash}`, 'control.sock')
}

interface ControlLog {
  info(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

/** Serves backups of the running process's embedded database; `close()` stops it and removes the socket. */
export async function startControlChannel(options: {
  database: Database
  dataDir: string
  log: ControlLog
}): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(options.dataDir)
  if (process.platform !== 'win32') {
    const folder = join(path, '..')
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    chmodSync(folder, 0o700)
    // @NOTE This process holds the data directory's lock, so a socket file left here is a dead process's.
    rmSync(path, { force: true })
  }
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const end = buffered.indexOf('\n')
      if (end < 0) {
        if (buffered.length > 1024) socket.destroy()
        return
      }
      socket.off('data', onData)
      void answer(buffered.slice(0, end), socket, options)
    }
    socket.on('data', onData)
  })
  await new Promise<void>((res, rej) => {
    server.once('error', rej)
    server.listen(path, () => res())
  })
  return {
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((res) => server.close(() => res()))
      if (process.platform !== 'win32') rmSync(path, { force: true })
    },
  }
}

async function answer(
  line: string,
  socket: Socket,
  options: { database: Database; dataDir: string; log: ControlLog },
) {
  let request: { op?: unknown }
  try {
    request = JSON.parse(line) as { op?: unknown }
  } catch {
    request = {}
  }
  if (request.op !== 'backup') {
    socket.end(JSON.stringify({ ok: false, error: 'unknown request' }) + '\n')
    return
  }
  const staging = await makeStagingDir(options.dataDir)
  let headerSent = false
  try {
    const manifest = await takeSnapshot(options.database, options.dataDir, staging.dir)
    options.log.info({ cutOff: manifest.cut_off.at, files: manifest.files.length }, 'backup snapshot taken')
    socket.write(JSON.stringify({ ok: true, manifest }) + '\n')
    headerSent = true
    const archive = packArchive(staging.dir)
    archive.pipe(socket)
    await new Promise<void>((res, rej) => {
      archive.once('end', res)
      archive.once('error', rej)
      socket.once('close', res)
    })
  } catch (err) {
    options.log.error({ err }, 'backup failed')
    // @NOTE Once bytes of the archive have gone, only cutting the connection can say it failed.
    if (headerSent) socket.destroy()
    else if (!socket.destroyed)
      socket.end(JSON.stringify({ ok: false, error: (err as Error).message }) + '\n')
  } finally {
    await staging.remove()
  }
}

/**
 * Asks the running install in `dataDir` for a backup and writes it to `file`; answers its
 * manifest. Fails with a one-line BackupError when the process does not answer.
 */
export async function requestBackup(dataDir: string, file: string, holderPid?: number): Promise<Manifest> {
  const path = controlSocketPath(dataDir)
  const socket = createConnection(path)
  await new Promise<void>((res, rej) => {
    socket.once('connect', res)
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const who = holderPid ? `process ${holderPid}` : 'the running server'
      rej(
        new BackupError(
          `The data directory is in use by ${who}, which does not answer on ${path} (${err.code ?? err.message}). ` +
            'Is it an older Parley? Stop it and run the backup again (it then reads the data directory itself).',
        ),
      )
    })
  })
  socket.write(JSON.stringify({ op: 'backup' }) + '\n')
  const { header, rest } = await readHeader(socket)
  if (!header.ok)
    throw new BackupError(
      `The running server could not make the backup: ${header.error ?? 'no reason given'}.`,
    )
  const manifest = ManifestSchema.parse(header.manifest)
  await writeAtomically(rest, file, (partial) => checkArchive(partial, manifest))
  return manifest
}

interface ControlHeader {
  ok: boolean
  error?: string
  manifest?: unknown
}

/** Reads the JSON header line, then hands back the socket positioned at the archive's first byte. */
async function readHeader(socket: Socket): Promise<{ header: ControlHeader; rest: Socket }> {
  const chunks: Buffer[] = []
  return new Promise((res, rej) => {
    const onEnd = () =>
      rej(new BackupError('The running server closed the control connection before answering.'))
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      const all = Buffer.concat(chunks)
      const end = all.indexOf(0x0a)
      if (end < 0) return
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.pause()
      const rest = all.subarray(end + 1)
      if (rest.length) socket.unshift(rest)
      try {
        res({ header: JSON.parse(all.subarray(0, end).toString('utf8')) as ControlHeader, rest: socket })
      } catch {
        rej(new BackupError('The running server answered something that is not a backup.'))
      }
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', rej)
  })
}
