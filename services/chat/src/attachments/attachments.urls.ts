/** The authorised download path of an attachment (bearer header, or a signed `?sig=` URL). */
export function attachmentUrl(id: string): string {
  return `/api/chat/attachments/${id}/`
}
