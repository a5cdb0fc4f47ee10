/** A domain event as it travels on the bus (SPEC section 1). */
export interface DomainEvent<P = Record<string, unknown>> {
  id: string
  type: string
  tenantId: string
  occurredAt: string
  payload: P
}

export interface NewEvent<P = Record<string, unknown>> {
  type: string
  tenantId: string
  payload: P
}
