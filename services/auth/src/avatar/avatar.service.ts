import { randomBytes } from 'node:crypto'

import { type Principal, transaction } from '@parley/platform'

import type { AuthContext } from '../context'
import { unsupportedImage, userGone } from '../errors'
import { currentUser, publishUser } from '../users/accounts.service'
import { AVATAR_PREFIX, presentUser } from '../users/users.presenter'
import { lockAvatarKey, updateUser } from '../users/users.repository'
import type { UserBody } from '../users/users.schema'

/** SPEC section 3: at most 5 MB, PNG/JPEG/WebP/GIF by content. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024
export const AVATAR_SIZE = 256
const ACCEPTED = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif'])
// @NOTE Guards against decompression bombs: a 5 MB PNG can claim billions of pixels.
const MAX_INPUT_PIXELS = 40_000_000

/** The stored file name pattern (`<user id>-<random>.webp`). */
export const AVATAR_FILE_RE = /^[0-9a-f-]{36}-[0-9a-f]{16}\.webp$/

/**
 * Checks the bytes are an image of an accepted type (by content, not by name or header) and
 * re-encodes it as a 256×256 WebP without metadata, so nothing but pixels is ever served.
 */
export async function normaliseAvatar(bytes: Buffer): Promise<Buffer> {
  // @NOTE Image libraries load on first upload, not at start.
  const { fileTypeFromBuffer } = await import('file-type')
  const type = await fileTypeFromBuffer(bytes)
  if (!type || !ACCEPTED.has(type.mime)) throw unsupportedImage()
  const { default: sharp } = await import('sharp')
  try {
    return await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
      .webp({ quality: 82 })
      .toBuffer()
  } catch {
    throw unsupportedImage('The image could not be decoded.')
  }
}

/** Stores a new avatar and points the user at it; the previous file is deleted after the commit. */
export async function setAvatar(ctx: AuthContext, principal: Principal, bytes: Buffer): Promise<UserBody> {
  await currentUser(ctx, principal)
  const image = await normaliseAvatar(bytes)
  const key = `${AVATAR_PREFIX}${principal.userId}-${randomBytes(8).toString('hex')}.webp`
  await ctx.platform.storage.put(key, image)
  let swapped
  try {
    swapped = await swapAvatar(ctx, principal, key)
  } catch (err) {
    await ctx.platform.storage.delete(key).catch(() => {})
    throw err
  }
  if (swapped.previousKey) await deleteQuietly(ctx, swapped.previousKey)
  return presentUser(swapped.user ?? (await currentUser(ctx, principal)))
}

/**
 * Sets the avatar key in one transaction with its event, answering the key it replaced once the
 * other services show the new avatar (read-your-writes, ADR 0012).
 */
async function swapAvatar(ctx: AuthContext, principal: Principal, key: string | null) {
  return ctx.platform.bus.settle(() =>
    transaction(ctx.db, async (tx) => {
      const previous = await lockAvatarKey(tx.db, principal.tenantId, principal.userId)
      if (!previous) throw userGone()
      if (previous.avatar_key === key) return { user: undefined, previousKey: null }
      const user = await updateUser(tx.db, principal.tenantId, principal.userId, { avatar_key: key })
      if (!user) throw userGone()
      await publishUser(ctx, tx, 'user.updated', user)
      return { user, previousKey: previous.avatar_key }
    }),
  )
}

/** Removes the user's avatar (a no-op answer when there is none). */
export async function removeAvatar(ctx: AuthContext, principal: Principal): Promise<UserBody> {
  const { user, previousKey } = await swapAvatar(ctx, principal, null)
  if (previousKey) await deleteQuietly(ctx, previousKey)
  return presentUser(user ?? (await currentUser(ctx, principal)))
}

async function deleteQuietly(ctx: AuthContext, key: string) {
  try {
    await ctx.platform.storage.delete(key)
  } catch (err) {
    ctx.log.warn({ err, key }, 'old avatar file not deleted')
  }
}

/** The stored avatar bytes for a public file name, or null. */
export async function readAvatar(ctx: AuthContext, file: string): Promise<Buffer | null> {
  if (!AVATAR_FILE_RE.test(file)) return null
  return ctx.platform.storage.get(AVATAR_PREFIX + file)
}
