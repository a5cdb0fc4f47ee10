import { readFileSync } from 'node:fs'

import { z } from 'zod'

import { OperationalError } from '../cli/errors'

/** The archive's layout: this manifest, the PGlite data directory as a tar, the rest of DATA_DIR. */
export const MANIFEST_FILE = 'manifest.json'
export const DATABASE_FILE = 'database/pgdata.tar'
export const DATA_FOLDER = 'data'

export const BACKUP_FORMAT = 'parley-backup'
export const BACKUP_FORMAT_VERSION = 1

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const FileEntry = z
  .object({ path: z.string().min(1), size: z.number().int().nonnegative(), sha256: Sha256 })
  .strict()

/** What `manifest.json` says; restore refuses an archive whose manifest does not parse. */
export const ManifestSchema = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    format_version: z.literal(BACKUP_FORMAT_VERSION),
    /** The Parley version that wrote it (apps/parley/package.json). */
    parley_version: z.string(),
    created_at: z.string().datetime(),
    /** Everything committed before `at` is in the archive; nothing committed after it is. */
    cut_off: z
      .object({
        at: z.string().datetime(),
        /** PostgreSQL's WAL position at the cut-off. */
        lsn: z.string(),
        /** Row counts at the cut-off, for the operator's summary (users, conversations, messages...). */
        counts: z.record(z.string(), z.number().int().nonnegative()),
      })
      .strict(),
    database: z.object({ engine: z.literal('pglite'), server_version: z.string(), file: FileEntry }).strict(),
    /** Applied migration names per service schema. */
    schemas: z.record(z.string(), z.array(z.string())),
    /** DATA_DIR's own files (signing keys, secrets, avatars and attachments), relative to DATA_DIR. */
    files: z.array(FileEntry),
  })
  .strict()

export type Manifest = z.infer<typeof ManifestSchema>
export type ManifestFile = z.infer<typeof FileEntry>

/** This Parley's version, recorded in every manifest. */
export function parleyVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

/** Parses a manifest, or says in one line why the file is not a Parley backup. */
export function parseManifest(text: string): Manifest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new BackupError('The archive has no readable manifest.json: it is not a Parley backup.')
  }
  const parsed = ManifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new BackupError(
      `The archive's manifest is not one this Parley reads (${issue.path.join('.')}: ${issue.message}).`,
    )
  }
  return parsed.data
}

/** An operational failure of backup, restore or migrate, told to the operator in one line. */
export class BackupError extends OperationalError {
  override name = 'BackupError'
}
