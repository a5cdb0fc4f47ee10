import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'

/** Where files (avatars, attachments) live: local disk now, S3-compatible storage in distributed mode. */
export interface FileStorage {
  put(key: string, data: Buffer): Promise<void>
  /** The bytes, or null when there is no such file. */
  get(key: string): Promise<Buffer | null>
  delete(key: string): Promise<void>
}

/** Files under one directory; writes go through a temp file and a rename, so a reader never sees half a file. */
export class LocalDiskStorage implements FileStorage {
  private readonly root: string
  constructor(root: string) {
    this.root = resolve(root)
  }

  private path(key: string): string {
    if (!/^[A-Za-z0-9._/-]+$/.test(key) || key.includes('..')) throw new Error(`bad storage key ${key}`)
    const full = resolve(join(this.root, key))
    if (!full.startsWith(this.root + sep)) throw new Error(`bad storage key ${key}`)
    return full
  }

  async put(key: string, data: Buffer) {
    const full = this.path(key)
    await mkdir(dirname(full), { recursive: true })
    const tmp = `${full}.${process.pid}.tmp`
    await writeFile(tmp, data)
    await rename(tmp, full)
  }

  async get(key: string) {
    try {
      return await readFile(this.path(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async delete(key: string) {
    await rm(this.path(key), { force: true })
  }
}
