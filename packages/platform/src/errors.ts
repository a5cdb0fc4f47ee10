/** An expected failure with a stable problem `type` (RFC 9457). Rendered by the app's one error handler. */
export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Record<string, string[]>,
    readonly headers?: Record<string, string>,
    options?: ErrorOptions,
  ) {
    super(detail ?? title, options)
  }

  get type(): string {
    return `/problems/${this.slug}`
  }
}

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: Record<string, string[]>
}

export function toProblem(err: AppError): Problem {
  return {
    type: err.type,
    title: err.title,
    status: err.status,
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
  }
}

export const validationFailed = (
  errors: Record<string, string[]>,
  detail = 'The request has invalid fields.',
) => new AppError(400, 'validation-error', 'Validation failed', detail, errors)

/** One field failed a rule that the schema cannot express. */
export const fieldError = (field: string, message: string) => validationFailed({ [field]: [message] })

export const notFound = (what = 'Resource', detail?: string) =>
  new AppError(404, 'not-found', `${what} not found`, detail ?? `${what} not found.`)

export const unauthorized = (detail = 'A valid access token is required.') =>
  new AppError(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' })

export const forbidden = (detail = 'You are not allowed to do this.') =>
  new AppError(403, 'forbidden', 'Forbidden', detail)

export const conflict = (slug: string, title: string, detail?: string, errors?: Record<string, string[]>) =>
  new AppError(409, slug, title, detail, errors)

export const serviceUnavailable = (detail = 'A backing service is unavailable; try again shortly.') =>
  new AppError(503, 'service-unavailable', 'Service unavailable', detail, undefined, { 'retry-after': '2' })

export const unsupportedMediaType = (detail = 'Send application/json.') =>
  new AppError(415, 'unsupported-media-type', 'Unsupported media type', detail)

export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, 'rate-limited', 'Too many requests', `Try again in ${retryAfterSeconds} s.`, undefined, {
    'retry-after': String(retryAfterSeconds),
  })
