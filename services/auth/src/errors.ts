import { AppError, fieldError } from '@parley/platform'

// @NOTE One answer for an unknown tenant, an unknown email and a wrong password (SPEC section 3).
export const invalidCredentials = () =>
  new AppError(401, 'invalid-credentials', 'Invalid credentials', 'The email or password is incorrect.')

export const invalidRefreshToken = () =>
  new AppError(
    401,
    'invalid-refresh-token',
    'Invalid refresh token',
    'The refresh token is invalid, expired or revoked.',
  )

export const invalidResetToken = () => fieldError('token', 'This reset link is invalid or has expired.')

export const wrongOldPassword = () => fieldError('old_password', 'The current password is incorrect.')

export const noPasswordYet = () =>
  fieldError(
    'old_password',
    'This account has no password yet (it signs in through a provider). Use "Forgot password" to set one.',
  )

export const userGone = () =>
  new AppError(401, 'unauthorized', 'Unauthorized', 'This account no longer exists.')

export const unsupportedImage = (detail = 'Upload a PNG, JPEG, WebP or GIF image.') =>
  new AppError(415, 'unsupported-image', 'Unsupported image', detail)

export const avatarTooLarge = (maxBytes: number) =>
  new AppError(
    413,
    'payload-too-large',
    'Payload too large',
    `An avatar may be at most ${maxBytes / (1024 * 1024)} MB.`,
  )

export const missingFile = () =>
  fieldError('file', 'Send the image as multipart/form-data in a `file` field.')

export const tenantExists = (slug: string) =>
  new AppError(409, 'tenant-exists', 'Tenant exists', `A tenant with the slug "${slug}" already exists.`, {
    slug: ['This slug is taken.'],
  })
