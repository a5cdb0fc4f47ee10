import { sql } from 'kysely'

import type { AttachmentRow, ChatDb } from '../db/schema'

export type NewAttachment = Omit<AttachmentRow, 'conversation_id' | 'message_id' | 'created_at'>

export async function insertAttachment(db: ChatDb, a: NewAttachment): Promise<AttachmentRow> {
  return db.insertInto('chat.attachments').values(a).returningAll().executeTakeFirstOrThrow()
}

export async function findAttachment(db: ChatDb, id: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('chat.attachments').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The attachments of a page of messages, oldest first. */
export async function attachmentsOfMessages(db: ChatDb, messageIds: string[]): Promise<AttachmentRow[]> {
  return db
    .selectFrom('chat.attachments')
    .selectAll()
    .where('message_id', '=', sql<string>`any(${messageIds}::uuid[])`)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}
