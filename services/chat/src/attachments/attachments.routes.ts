import { AttachmentSchema } from '@parley/contracts'
import {
  type App,
  authenticate,
  bearerAuth,
  fieldError,
  type FileStorage,
  newId,
  principalOf,
} from '@parley/platform'
import { z } from 'zod'

import type { ChatDb } from '../db/schema'
import { attachmentNotFound, fileTooLarge, unsupportedFile } from '../errors'
import { isActiveMember } from '../participants/participants.repository'
import { presentAttachment } from './attachments.presenter'
import { findAttachment, insertAttachment } from './attachments.repository'
import { cleanFilename, contentDisposition } from './filenames'

/** What uploads and downloads use. */
export interface AttachmentsDeps {
  db: ChatDb
  storage: FileStorage
  options: { maxUploadBytes: number }
}

const ALLOWED = [
  /^image\/(png|jpeg|gif|webp|avif|heic|bmp)$/,
  /^audio\//,
  /^video\//,
  /^application\/pdf$/,
  /^application\/(zip|gzip|x-7z-compressed|x-tar)$/,
  /^application\/vnd\.(openxmlformats|oasis|ms-)/,
  /^application\/msword$/,
]

/** Plain text: valid UTF-8 without control bytes other than tab, newline and carriage return. */
function isPlainText(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return false
  }
  for (const byte of buf) if (byte < 0x20 && byte !== 9 && byte !== 10 && byte !== 13) return false
  return buf.length > 0
}

async function sniff(buf: Buffer): Promise<string> {
  // @NOTE Image libraries load on first upload, not at start.
  const { fileTypeFromBuffer } = await import('file-type')
  const detected = await fileTypeFromBuffer(buf)
  if (detected && ALLOWED.some((re) => re.test(detected.mime))) return detected.mime
  if (!detected && isPlainText(buf)) return 'text/plain'
  throw unsupportedFile()
}

/** Raster images a browser shows inline without running anything. */
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif'])

/**
 * Inline only for a raster image whose bytes say so again now (the stored type is checked against
 * the magic bytes, so a row that claims image/png over HTML or SVG is still an attachment).
 */
async function isSafeRaster(contentType: string, bytes: Buffer): Promise<boolean> {
  if (!INLINE.has(contentType)) return false
  const { fileTypeFromBuffer } = await import('file-type')
  return (await fileTypeFromBuffer(bytes))?.mime === contentType
}

/** The raw file: a Buffer is sent as is (Fastify never serializes it); this documents it as binary. */
const FileBytes = z
  .custom<Buffer>((v) => Buffer.isBuffer(v))
  .meta({
    type: 'string',
    format: 'binary',
    description: 'The file bytes, with the content type detected at upload',
  })

/**
 * Uploads (multipart `file`, type checked by content) and authorised downloads: the uploader
 * until the file is sent, then members of its conversation; everyone else gets 404.
 */
export function attachmentRoutes(ctx: AttachmentsDeps) {
  return async (app: App) => {
    const db = ctx.db
    app.post(
      '/api/chat/upload/',
      {
        preHandler: authenticate,
        schema: {
          tags: ['chat'],
          summary: 'Upload an attachment (multipart `file`, ≤ 25 MB)',
          security: bearerAuth,
          response: { 201: AttachmentSchema },
        },
      },
      async (req, reply) => {
        const caller = principalOf(req)
        const file = await req.file({ limits: { fileSize: ctx.options.maxUploadBytes, files: 1 } })
        if (!file) throw fieldError('file', 'Send the file as multipart field `file`.')
        const buf = await file.toBuffer()
        if (file.file.truncated || buf.length > ctx.options.maxUploadBytes)
          throw fileTooLarge(ctx.options.maxUploadBytes)
        const contentType = await sniff(buf)
        let width: number | null = null
        let height: number | null = null
        if (contentType.startsWith('image/')) {
          const { default: sharp } = await import('sharp')
          const meta = await sharp(buf)
            .metadata()
            .catch(() => undefined)
          if (!meta?.width) throw unsupportedFile()
          width = meta.width
          height = meta.height ?? null
        }
        const id = newId()
        const key = `chat/attachments/${id}`
        await ctx.storage.put(key, buf)
        const row = await insertAttachment(db, {
          id,
          tenant_id: caller.tenantId,
          uploader_id: caller.userId,
          storage_key: key,
          content_type: contentType,
          size: buf.length,
          width,
          height,
          filename: cleanFilename(file.filename),
        })
        return reply.code(201).send(presentAttachment(row))
      },
    )

    app.get(
      '/api/chat/attachments/:id/',
      {
        preHandler: authenticate,
        schema: {
          tags: ['chat'],
          summary: 'Download (the bearer token of a current member of its conversation)',
          description:
            'Needs `Authorization: Bearer` of the uploader (before the file is sent) or of a current member of the ' +
            'conversation it was sent to; anyone else gets 404, a request without a token 401. Only PNG, JPEG, GIF, ' +
            'WebP and AVIF whose bytes match are served inline; everything else is an attachment.',
          params: z.object({ id: z.uuid() }).strict(),
          security: bearerAuth,
          querystring: z
            .object({
              exp: z.coerce
                .number()
                .int()
                .optional()
                .meta({ description: 'Ignored (URLs are no longer signed)' }),
              sig: z
                .string()
                .max(100)
                .optional()
                .meta({ description: 'Ignored (URLs are no longer signed)' }),
            })
            .strict(),
          // @NOTE Bytes are sent as a Buffer, which Fastify never passes through the serializer; this documents them.
          response: {
            200: FileBytes,
            304: z.null().describe('Not modified (If-None-Match), after the access check'),
          },
        },
      },
      async (req, reply) => {
        // @NOTE No signed URLs and no cookies: a link that leaks (logs, Referer, a forwarded
        // message) is worth nothing, and a removed member loses access with the next request.
        const caller = principalOf(req)
        const a = await findAttachment(db, req.params.id)
        if (!a || a.tenant_id !== caller.tenantId) throw attachmentNotFound()
        const allowed =
          a.conversation_id === null
            ? a.uploader_id === caller.userId
            : await isActiveMember(db, a.conversation_id, caller.userId)
        if (!allowed) throw attachmentNotFound()
        // @NOTE A stored file never changes, so its id is its validator. `no-cache` makes a browser
        // ask every time (a cache shared by two accounts of one browser must not answer for the
        // second), and a 304 after the access check keeps that cheap.
        const etag = `"${a.id}"`
        reply.header('etag', etag).header('cache-control', 'private, no-cache')
        if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return reply.code(304).send(null)
        const bytes = await ctx.storage.get(a.storage_key)
        if (!bytes) throw attachmentNotFound()
        const inline = await isSafeRaster(a.content_type, bytes)
        return reply
          .header(
            'content-type',
            a.content_type.startsWith('text/') ? `${a.content_type}; charset=utf-8` : a.content_type,
          )
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "sandbox; default-src 'none'")
          .header(
            'content-disposition',
            contentDisposition(inline ? 'inline' : 'attachment', a.filename, a.id),
          )
          .send(bytes)
      },
    )
  }
}
