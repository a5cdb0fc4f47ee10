import type { Principal } from '@parley/platform'

/** Whose data a request touches: every query is scoped by both ids (SPEC section 1). */
export interface Owner {
  userId: string
  tenantId: string
  personId: string
}

export function ownerOf(principal: Principal): Owner {
  return { userId: principal.userId, tenantId: principal.tenantId, personId: principal.personId }
}
