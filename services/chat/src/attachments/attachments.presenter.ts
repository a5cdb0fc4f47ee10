import type { AttachmentWire } from '@parley/contracts'

import type { AttachmentRow } from '../db/schema'
import type { AttachmentUrls } from './attachments.urls'

/** An attachment to wire shape, with a download URL signed by this instance. */
export function presentAttachment(a: AttachmentRow, urls: AttachmentUrls): AttachmentWire {
  return {
    id: a.id,
    url: urls.signed(a.id),
    content_type: a.content_type,
    size: Number(a.size),
    width: a.width ?? null,
    height: a.height ?? null,
    filename: a.filename ?? null,
  }
}
