import { AttachmentSchema } from '@parley/contracts'
import {
  type App,
  authenticate,
  bearerAuth,
  fieldError,
  type FileStorage,
  isUuid,
  newId,
  principalOf,
} from '@parley/platform'
import { z } from 'zod'

import type { ChatDb } from '../db/schema'
import { attachmentNotFound, fileTooLarge, unsupportedFile } from '../errors'
import { isActiveMember } from '../participants/participants.repository'
import { presentAttachment } from './attachments.presenter'
import { findAttachment, insertAttachment } from './attachments.repository'
import type { AttachmentUrls } from './attachments.urls'

/** What uploads and downloads use. */
export interface AttachmentsDeps {
  db: ChatDb
  storage: FileStorage
  attachmentUrls: AttachmentUrls
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

function safeFilename(name: string | undefined): string | null {
  if (!name) return null
  const cleaned = name.replace(/[\\/\u0000-\u001f"]/g, '_').slice(0, 200)
  return cleaned || null
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
  const urls = ctx.attachmentUrls
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
          filename: safeFilename(file.filename),
        })
        return reply.code(201).send(presentAttachment(row, urls))
      },
    )

    app.get(
      '/api/chat/attachments/:id/',
      {
        schema: {
          tags: ['chat'],
          summary: 'Download (bearer token of a member, or the signed URL from a message)',
          params: z.object({ id: z.uuid() }).strict(),
          security: [...bearerAuth, {}],
          querystring: z
            .object({ exp: z.coerce.number().int().optional(), sig: z.string().max(100).optional() })
            .strict(),
          // @NOTE Bytes are sent as a Buffer, which Fastify never passes through the serializer; this documents them.
          response: { 200: FileBytes },
        },
      },
      async (req, reply) => {
        const { id } = req.params
        if (!isUuid(id)) throw attachmentNotFound()
        const a = await findAttachment(db, id)
        if (!a) throw attachmentNotFound()
        const { exp, sig } = req.query
        let allowed =
          exp !== undefined && sig !== undefined && a.message_id !== null && urls.verify(id, exp, sig)
        if (!allowed && req.principal) {
          const p = req.principal
          if (a.tenant_id === p.tenantId && a.uploader_id === p.userId) allowed = true
          else if (a.conversation_id && a.tenant_id === p.tenantId) {
            allowed = await isActiveMember(db, a.conversation_id, p.userId)
          }
        }
        if (!allowed) throw attachmentNotFound()
        const bytes = await ctx.storage.get(a.storage_key)
        if (!bytes) throw attachmentNotFound()
        const inline = a.content_type.startsWith('image/') || a.content_type === 'text/plain'
        return reply
          .header(
            'content-type',
            a.content_type === 'text/plain' ? 'text/plain; charset=utf-8' : a.content_type,
          )
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, max-age=300')
          .header(
            'content-disposition',
            `${inline ? 'inline' : 'attachment'}; filename="${a.filename ?? id}"`,
          )
          .send(bytes)
      },
    )
  }
}
