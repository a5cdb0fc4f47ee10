import { LoginResponseSchema, TokenPairSchema, UserSchema } from '@parley/contracts'
import { z } from 'zod'

import { MAX_PASSWORD_LENGTH } from '../passwords/password-rules'

/** A tenant slug: lowercase letters, digits and inner hyphens, like a Slack workspace URL. */
export const TenantSlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'Use lowercase letters, digits and hyphens (not at either end).',
  )
  .describe('Tenant (workspace) slug; default `default`.')

export const EmailSchema = z.string().trim().max(254).pipe(z.email('Enter a valid email address.'))

const PasswordSchema = z.string().min(1, 'This field may not be blank.').max(MAX_PASSWORD_LENGTH)

export { LoginResponseSchema, TokenPairSchema, UserSchema }

export type UserBody = z.infer<typeof UserSchema>

export const RegisterSchema = z
  .object({
    email: EmailSchema.describe('Case-insensitive, unique per tenant.'),
    username: z
      .string()
      .trim()
      .min(1, 'This field may not be blank.')
      .max(150)
      .regex(/^[\w.@+-]+$/u, 'Use letters, digits and @ . + - _ only.')
      .describe('Unique per tenant (case-insensitive).'),
    password: PasswordSchema.describe('At least 8 characters, not all digits, not equal to the email.'),
    first_name: z.string().trim().max(150).optional(),
    last_name: z.string().trim().max(150).optional(),
    tenant: TenantSlugSchema.optional(),
  })
  .strict()
export type RegisterInput = z.infer<typeof RegisterSchema>

export const LoginSchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    tenant: TenantSlugSchema.optional(),
  })
  .strict()
export type LoginInput = z.infer<typeof LoginSchema>

export const RefreshSchema = z.object({ refresh: z.string().min(1).max(512) }).strict()

export const ChangePasswordSchema = z
  .object({ old_password: PasswordSchema, new_password: PasswordSchema })
  .strict()

export const ForgotPasswordSchema = z
  .object({ email: EmailSchema, tenant: TenantSlugSchema.optional() })
  .strict()

export const ResetPasswordSchema = z
  .object({ token: z.string().min(1).max(512), new_password: PasswordSchema })
  .strict()

export const DetailSchema = z.object({ detail: z.string() })

export const ProtectedSchema = z.object({ message: z.string(), user_id: z.uuid() })
