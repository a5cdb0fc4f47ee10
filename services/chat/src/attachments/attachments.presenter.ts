import type { AttachmentWire } from '@parley/contracts'

import type { AttachmentRow } from '../db/schema'

/**
 * Where an attachment is downloaded. The URL is no capability: a download needs the bearer token
 * of a current member of its conversation (issue 14 point 6), so the same URL (and so the same
 * message frame) serves every recipient.
 */
export function attachmentUrl(id: string): string {
  return `/api/chat/attachments/${id}/`
}

/** An attachment to wire shape. */
export function presentAttachment(a: AttachmentRow): AttachmentWire {
  return {
    id: a.id,
    url: attachmentUrl(a.id),
    content_type: a.content_type,
    size: Number(a.size),
    width: a.width ?? null,
    height: a.height ?? null,
    filename: a.filename ?? null,
  }
}
