import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import { create, extract, list } from 'tar'

import {
  BackupError,
  DATA_FOLDER,
  DATABASE_FILE,
  type Manifest,
  MANIFEST_FILE,
  type ManifestFile,
  parseManifest,
} from './manifest'
import { describe } from './snapshot'

/** The staging folder as one gzip'd tar stream, manifest first (so a reader meets it before the bulk). */
export function packArchive(stagingDir: string): Readable {
  return create({ gzip: true, cwd: stagingDir, portable: true }, [
    MANIFEST_FILE,
    DATABASE_FILE,
    DATA_FOLDER,
  ]) as unknown as Readable
}

/**
 * Writes a stream to `file` through `file.partial` and a rename, so a failed or interrupted
 * backup never leaves something at `file` that looks like a backup.
 */
export async function writeAtomically(
  stream: Readable,
  file: string,
  check?: (partial: string) => Promise<void>,
): Promise<void> {
  const partial = `${file}.partial`
  try {
    await pipeline(stream, createWriteStream(partial, { mode: 0o600 }))
    await check?.(partial)
    await rename(partial, file)
  } catch (err) {
    await rm(partial, { force: true })
    throw err
  }
}

/**
 * Unpacks an archive into `dir` and checks it against its manifest (every file present with
 * its size and SHA-256); answers the manifest.
 */
export async function unpackArchive(file: string, dir: string): Promise<Manifest> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    await extract({ file, cwd: dir, strict: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new BackupError(`No backup file at ${file}.`)
    throw new BackupError(`${file} is not a readable backup archive (${(err as Error).message}).`)
  }
  let text: string
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8')
  } catch {
    throw new BackupError(`${file} has no manifest.json: it is not a Parley backup.`)
  }
  const manifest = parseManifest(text)
  await verify(dir, manifest.database.file, dir)
  for (const entry of manifest.files) await verify(join(dir, DATA_FOLDER), entry, dir)
  return manifest
}

async function verify(root: string, expected: ManifestFile, dir: string) {
  let actual: ManifestFile
  try {
    actual = await describe(root, expected.path)
  } catch {
    throw new BackupError(`The backup is incomplete: ${expected.path} is missing (extracted in ${dir}).`)
  }
  if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
    throw new BackupError(
      `The backup is damaged: ${expected.path} does not match its checksum in the manifest.`,
    )
  }
}

/** Reads the whole archive back: it must end properly and hold every file of the manifest at its size. */
export async function checkArchive(file: string, manifest: Manifest): Promise<void> {
  const sizes = new Map<string, number>()
  try {
    await list({
      file,
      strict: true,
      onReadEntry: (entry) => void sizes.set(entry.path.replace(/^\.\//, ''), entry.size ?? 0),
    })
  } catch (err) {
    throw new BackupError(`The backup arrived incomplete (${(err as Error).message}); nothing was written.`)
  }
  const expected = [
    manifest.database.file,
    ...manifest.files.map((f) => ({ ...f, path: `${DATA_FOLDER}/${f.path}` })),
  ]
  for (const entry of expected) {
    if (sizes.get(entry.path) !== entry.size)
      throw new BackupError(
        `The backup arrived incomplete (${entry.path} is missing or cut short); nothing was written.`,
      )
  }
}
