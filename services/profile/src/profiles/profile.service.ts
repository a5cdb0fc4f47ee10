import { fieldError, transaction } from '@parley/platform'

import type { ProfileContext } from '../context'
import type { Owner } from '../shared/owner'
import { publishProfileUpdated, shownFieldsChanged } from './profile.events'
import {
  findProfile,
  insertProfileIfMissing,
  lockProfile,
  type Profile,
  type ProfileChanges,
  updateProfile,
} from './profile.repository'
import type { UpdateProfileInput } from './profile.schema'

const EARLIEST_BIRTH_DATE = '1900-01-01'

/** The caller's profile, created from the token on first access. */
export async function getProfile(ctx: ProfileContext, owner: Owner): Promise<Profile> {
  const existing = await findProfile(ctx.db, owner)
  if (existing) return existing
  await insertProfileIfMissing(ctx.db, owner)
  const created = await findProfile(ctx.db, owner)
  if (!created) throw new Error('profile missing right after it was created')
  return created
}

/**
 * Applies validated changes (PUT sends every field, PATCH some) in one transaction, which also
 * publishes `profile.updated` when a name or the status changed; answers once the other services'
 * projections show it (read-your-writes, ADR 0012).
 */
export async function changeProfile(
  ctx: ProfileContext,
  owner: Owner,
  input: UpdateProfileInput,
): Promise<Profile> {
  if (input.date_of_birth) checkBirthDate(input.date_of_birth, ctx.now())
  const changes: ProfileChanges = {}
  if (input.first_name !== undefined) changes.firstName = input.first_name
  if (input.last_name !== undefined) changes.lastName = input.last_name
  if (input.display_name !== undefined) changes.displayName = input.display_name
  if (input.primary_phone !== undefined) changes.primaryPhone = input.primary_phone
  if (input.alternate_phone !== undefined) changes.alternatePhone = input.alternate_phone
  if (input.gender !== undefined) changes.gender = input.gender
  if (input.date_of_birth !== undefined) changes.dateOfBirth = input.date_of_birth
  if (input.status_message !== undefined) changes.statusMessage = input.status_message
  return ctx.bus.settle(() =>
    transaction(ctx.db, async (tx) => {
      await lockProfile(tx.db, owner)
      const before = await findProfile(tx.db, owner)
      const updated = await updateProfile(tx.db, owner, changes)
      if (!updated) throw new Error('profile missing inside its own lock')
      if (!before || shownFieldsChanged(before, updated)) await publishProfileUpdated(ctx.bus, tx, updated)
      return updated
    }),
  )
}

/**
 * A birth date may not lie in the future. "Today" is the latest calendar date anywhere on
 * Earth (UTC+14), so nobody born today is refused because of the server's time zone.
 */
export function checkBirthDate(date: string, now: Date): void {
  const latestToday = new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10)
  if (date > latestToday) throw fieldError('date_of_birth', 'The date of birth cannot be in the future.')
  if (date < EARLIEST_BIRTH_DATE)
    throw fieldError('date_of_birth', `The date of birth cannot be before ${EARLIEST_BIRTH_DATE}.`)
}
