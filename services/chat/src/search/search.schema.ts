import { z } from 'zod'

const Cursor = z
  .string()
  .uuid('Not a cursor this endpoint gave.')
  .optional()
  .describe('The `next_cursor` of the previous page; omit for the newest page')
const Limit = z.coerce.number().int().min(1).max(50).default(20).describe('Page size, at most 50')

export const SearchMessagesQuerySchema = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'Type something to search for.')
      .max(200)
      .describe('Every whitespace-separated term must appear (case-insensitive substring, any script)'),
    cursor: Cursor,
    limit: Limit,
  })
  .strict()

export const MentionsQuerySchema = z.object({ cursor: Cursor, limit: Limit }).strict()
