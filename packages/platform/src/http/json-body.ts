import { isUtf8 } from 'node:buffer'

import type { FastifyRequest } from 'fastify'

import { AppError, validationFailed } from '../errors'
import type { App } from './app'

const NUL_MESSAGE = 'Must not contain the NUL character (\\u0000).'

export const invalidUtf8 = () =>
  new AppError(
    400,
    'invalid-utf8',
    'Invalid UTF-8',
    'The request body is not valid UTF-8 (SPEC section 2: JSON in UTF-8).',
  )

/** A 400 naming the field whose text holds a NUL (PostgreSQL cannot store it in text). */
export const nulCharacter = (field: string) =>
  validationFailed({ [field]: [NUL_MESSAGE] }, `The field ${field} contains a NUL character.`)

/**
 * The dotted path of the first string (value or key) holding U+0000, or undefined.
 * @example findNul({ a: [{ b: 'x\u0000' }] }) // 'a.0.b'
 */
export function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : undefined
  if (!value || typeof value !== 'object') return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], path ? `${path}.${i}` : String(i))
      if (found) return found
    }
    return undefined
  }
  for (const [key, inner] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key
    if (key.includes('\u0000')) return here.replace(/\u0000/g, '\\u0000')
    const found = findNul(inner, here)
    if (found) return found
  }
  return undefined
}

/**
 * Replaces Fastify's JSON parser (and drops its text/plain one, so a JSON route given text gets
 * 415): a body that is not valid UTF-8 is a 400 instead of being decoded into U+FFFD, and a
 * string holding U+0000 is a 400 naming the field. Prototype poisoning is still refused.
 */
export function installJsonBodyParser(app: App) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer | string, done) => {
      if (typeof body !== 'string' && !isUtf8(body)) return done(invalidUtf8(), undefined)
      const text = typeof body === 'string' ? body : body.toString('utf8')
      void parse(request, text, (err, value) => {
        if (err) return done(err, undefined)
        // @NOTE JSON can only carry U+0000 escaped, so the walk runs only when that escape is present.
        if (text.includes('\\u0000')) {
          const field = findNul(value)
          if (field) return done(nulCharacter(field), undefined)
        }
        done(null, value)
      })
    },
  )
}

/** Query and path parameters decoded to U+0000 (`%00`): a 400 naming the parameter, or undefined. */
export function nulInUrl(url: string): AppError | undefined {
  if (!url.includes('%00')) return undefined
  const [path = '', query = ''] = url.split('?', 2)
  if (path.includes('%00')) return nulCharacter('path')
  for (const pair of query.split('&')) {
    if (!pair.includes('%00')) continue
    const [key = ''] = pair.split('=', 1)
    let name = key
    try {
      name = decodeURIComponent(key.replace(/\+/g, ' ')).replace(/\u0000/g, '\\u0000')
    } catch {
      // keep the raw key
    }
    return nulCharacter(`query.${name}`)
  }
  return undefined
}
