/**
 * What a login costs on this machine: argon2id verification with the OWASP parameters
 * (m=19456 KiB, t=2, p=1) alone, then whole HTTP logins against an in-memory server.
 *
 *   node --import tsx services/auth/scripts/measure-login.ts [rounds]
 */
import { api, startTestServer, unique } from '@parley/platform/testing'

import { authService } from '../src/index'
import { ARGON2_OPTIONS, hashPassword, verifyPassword } from '../src/passwords/password-hashing'

const rounds = Number(process.argv[2] ?? 30)

function summary(label: string, samples: number[]) {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1)
  console.log(
    `${label.padEnd(34)} median ${at(0.5)} ms   p90 ${at(0.9)} ms   min ${s[0].toFixed(1)} ms   (n=${s.length})`,
  )
}

async function time(fn: () => Promise<unknown>) {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

const password = 'correct horse battery staple'
console.log(
  `argon2id m=${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}`,
)
const hash = await hashPassword(password)
const hashes: number[] = []
const verifies: number[] = []
for (let i = 0; i < rounds; i++) {
  hashes.push(await time(() => hashPassword(password)))
  verifies.push(await time(() => verifyPassword(hash, password)))
}
summary('argon2id hash', hashes)
summary('argon2id verify', verifies)

const t = await startTestServer([authService])
try {
  const email = `${unique('bench')}@example.com`
  await api(t.url).post('/api/auth/register/', { email, username: unique('bench'), password })
  const ok: number[] = []
  const wrong: number[] = []
  const unknown: number[] = []
  for (let i = 0; i < rounds; i++) {
    ok.push(await time(() => api(t.url).post('/api/auth/login/', { email, password })))
    wrong.push(await time(() => api(t.url).post('/api/auth/login/', { email, password: 'not the password' })))
    unknown.push(await time(() => api(t.url).post('/api/auth/login/', { email: `x${i}${email}`, password })))
  }
  summary('HTTP login (PGlite, success)', ok)
  summary('HTTP login (wrong password)', wrong)
  summary('HTTP login (unknown email)', unknown)
} finally {
  await t.close()
}
