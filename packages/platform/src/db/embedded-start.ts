import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { PgliteWorker } from './pglite-worker-client'

// @NOTE Node built-ins only (see pglite-worker-client.ts): `parley start` calls startEmbedded
// before loading the rest of the platform.

/** A PGlite worker started on a locked data directory, not yet handed to openDatabase. */
export interface EmbeddedStart {
  worker: PgliteWorker
  /** Releases the data directory's lock (the database calls it when closed). */
  unlock: () => void
}

/**
 * Locks the data directory and starts PGlite on its thread (in memory without a directory).
 * PGlite takes about a second to start; `openDatabase({ started })` waits for it.
 */
export function startEmbedded(options: { dataDir?: string; template?: ArrayBuffer }): EmbeddedStart {
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {}
  try {
    const worker = new PgliteWorker({
      dataDir: options.dataDir ? join(options.dataDir, 'pg') : undefined,
      template: options.template,
    })
    return { worker, unlock }
  } catch (err) {
    unlock()
    throw err
  }
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

/** PGlite could not open the data directory (damaged, or written by another PostgreSQL version). */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError'
  constructor(dataDir: string | undefined, cause: unknown) {
    const where = dataDir ? `in ${resolve(join(dataDir, 'pg'))}` : 'in memory'
    super(
      `The embedded database ${where} could not be opened (${(cause as Error)?.message ?? cause}). ` +
        'If it is damaged, move that directory away to start empty, or set DATA_DIR to another directory.',
      { cause },
    )
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** One process per data directory: a second one gets a clear error instead of corrupting it. */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const lockPath = join(dir, 'parley.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(lockPath, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number(readFileSync(lockPath, 'utf8'))
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `The data directory ${resolve(dir)} is in use by process ${holder}. Stop it first, or set DATA_DIR to another directory.`,
        )
      }
      rmSync(lockPath, { force: true }) // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${resolve(dir)}.`)
}
