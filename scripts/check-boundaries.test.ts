import { describe, expect, it } from 'vitest'

import { boundaryViolation, checkRepository, importsOf } from './check-boundaries'

describe(importsOf.name, () => {
  it('finds static, type-only, re-exported and dynamic imports', () => {
    const source = [
      "import { a } from './a'",
      "import type { B } from '@parley/contracts'",
      "export * from '../c'",
      "export { d } from './d'",
      "const e = await import('./e')",
      "import './side-effect'",
    ].join('\n')
    expect(importsOf(source)).toEqual(['./a', '@parley/contracts', '../c', './d', './e', './side-effect'])
  })
})

describe(boundaryViolation.name, () => {
  it('lets a service import packages and its own files', () => {
    expect(boundaryViolation('services/chat/src/ws/connection.ts', '@parley/contracts')).toBeNull()
    expect(boundaryViolation('services/chat/src/ws/connection.ts', '@parley/platform')).toBeNull()
    expect(
      boundaryViolation('services/chat/src/ws/connection.ts', '../contacts/contacts.consumer'),
    ).toBeNull()
    expect(boundaryViolation('services/chat/src/ws/connection.ts', 'kysely')).toBeNull()
  })

  it("rejects a service reaching another service's internals or entry from shipped code", () => {
    expect(boundaryViolation('services/chat/src/index.ts', '../../contacts/src/db/schema')).toMatch(
      /across the service boundary/,
    )
    expect(boundaryViolation('services/chat/src/index.ts', '@parley/contacts')).toMatch(
      /services share only packages/,
    )
    expect(boundaryViolation('services/chat/src/index.ts', '@parley/contacts/src/db/schema')).toMatch(
      /package entry/,
    )
    expect(boundaryViolation('services/chat/src/index.ts', '../../../scripts/x')).toMatch(/boundary/)
  })

  it("lets a service's tests mount another service through its package entry only", () => {
    expect(boundaryViolation('services/chat/src/journey.int.test.ts', '@parley/auth')).toBeNull()
    expect(boundaryViolation('services/contacts/src/testing.ts', '@parley/auth')).toBeNull()
    expect(
      boundaryViolation('services/chat/src/journey.int.test.ts', '@parley/auth/src/keys/signing-keys'),
    ).toMatch(/package entry/)
    expect(boundaryViolation('services/chat/src/journey.int.test.ts', '../../auth/src/context')).toMatch(
      /boundary/,
    )
  })

  it('lets an app import a service only through its package entry', () => {
    expect(boundaryViolation('apps/parley/src/services.ts', '@parley/chat')).toBeNull()
    expect(boundaryViolation('apps/parley/src/services.ts', '@parley/chat/src/context')).toMatch(
      /package entry/,
    )
    expect(boundaryViolation('apps/parley/src/services.ts', '../../../services/chat/src/context')).toMatch(
      /app boundary/,
    )
  })

  it('keeps packages free of services', () => {
    expect(boundaryViolation('packages/platform/src/index.ts', '@parley/auth')).toMatch(
      /packages never depend/,
    )
    expect(boundaryViolation('packages/contracts/src/index.ts', '../../platform/src/ids')).toMatch(
      /package boundary/,
    )
  })
})

describe(checkRepository.name, () => {
  it('finds no violation in this repository', () => {
    expect(checkRepository(new URL('..', import.meta.url).pathname)).toEqual([])
  })
})
