/**
 * The password rules of SPEC section 3, as messages for the `password` field (empty when it
 * passes): at least 8 characters, not all digits, not equal to the email.
 */
export function passwordProblems(password: string, email: string | undefined): string[] {
  const problems: string[] = []
  if ([...password].length < 8)
    problems.push('This password is too short. It must contain at least 8 characters.')
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.')
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    problems.push('The password must not be the same as the email address.')
  }
  return problems
}

/** The longest password accepted: argon2 takes any length, but hashing megabytes is a cheap DoS. */
export const MAX_PASSWORD_LENGTH = 256
