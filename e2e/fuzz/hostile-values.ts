import fc from 'fast-check'

/** The subset of JSON Schema (as @fastify/swagger renders zod) that the fuzz reads. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  format?: string
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
}

/** Deterministic samples: the same seed gives the same requests on every run and machine. */
export function sampleOf<T>(arbitrary: fc.Arbitrary<T>, seed: number, runs: number): T[] {
  return fc.sample(arbitrary, { seed, numRuns: runs })
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
}

/** Values no field expects: wrong types, extremes, NUL, control and bidi characters, other users' ids. */
export function hostileValue(ids: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      1e308,
      -1e308,
      2 ** 53 + 1,
      Number.MAX_SAFE_INTEGER * 1000,
      0.5,
      '',
      ' ',
      'a\u0000b',
      '\u0000',
      '\u202Egnp.exe',
      '\uFEFF',
      '\uD800',
      '😀'.repeat(3000),
      'x'.repeat(100_000),
      '<script>alert(1)</script>',
      "'; drop table users; --",
      '../../etc/passwd',
      '1e400',
      'NaN',
      '2026-13-45T25:61:00Z',
      {},
      [],
      { __proto__: { polluted: true } },
      JSON.parse('{"__proto__": {"polluted": true}}'),
      Array.from({ length: 10_000 }, (_, i) => i),
      Array.from({ length: 10_000 }, () => ids[0]),
    ),
    fc.constantFrom(...ids),
    fc.integer({ min: 1, max: 400 }).map(nested),
    fc.string({ maxLength: 50, unit: 'binary' }),
    fc.double(),
    fc.bigInt({ min: 10n ** 20n, max: 10n ** 30n }).map((n) => Number(n)),
  )
}

/** A plausible, mostly valid value for a schema, so that a mutation reaches past the first check. */
function plausible(schema: JsonSchema | undefined, ids: string[], depth = 0): unknown {
  if (!schema || depth > 4) return null
  if (schema.const !== undefined) return schema.const
  if (schema.enum?.length) return schema.enum[0]
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0]
  if (variant) return plausible(variant, ids, depth + 1)
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, inner]) => [
          key,
          plausible(inner, ids, depth + 1),
        ]),
      )
    case 'array':
      return [plausible(schema.items, ids, depth + 1)]
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return true
    case 'string':
      if (schema.format === 'uuid') return ids[0]
      if (schema.format === 'email') return 'fuzz@example.com'
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z'
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
    default:
      return null
  }
}

/** JSON bodies for a schema: a plausible object with one field made hostile, or a broken body outright. */
export function mutateBody(schema: JsonSchema, ids: string[]): fc.Arbitrary<Buffer> {
  const base = plausible(schema, ids)
  const keys = Object.keys(schema.properties ?? {})
  const oneField = fc
    .tuple(fc.constantFrom(...(keys.length ? keys : ['field'])), hostileValue(ids), fc.boolean())
    .map(([key, value, unknown]) => {
      const body = {
        ...(typeof base === 'object' && base ? base : {}),
        [key]: value,
        ...(unknown ? { unknown_field: 1 } : {}),
      }
      return Buffer.from(JSON.stringify(body) ?? '{}')
    })
  const broken = fc.constantFrom(
    Buffer.from(''),
    Buffer.from('{'),
    Buffer.from('null'),
    Buffer.from('[]'),
    Buffer.from('"text"'),
    Buffer.from('12345678901234567890123456789'),
    Buffer.from(JSON.stringify(base) ?? '{}'),
    Buffer.concat([
      Buffer.from('{"'),
      Buffer.from(keys[0] ?? 'k'),
      Buffer.from('":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]),
    Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    Buffer.from(JSON.stringify(Array.from({ length: 10_000 }, () => base))),
  )
  return fc.oneof({ weight: 3, arbitrary: oneField }, broken)
}
