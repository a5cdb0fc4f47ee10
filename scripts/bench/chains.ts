/**
 * Scenario (e): read-your-writes chains (issue 15, ADR 0012). Each chain is what an onboarding
 * script does: two people register, log in, one invites the other, the other accepts, and the
 * first sends the first message in their direct conversation, each step the moment the previous
 * one answered, with no sleeps and no retries. A chain fails at its first step that does not
 * answer as it would once every service knew of the previous steps.
 *
 * The lag is "register answered → person findable": right after register answers, a searcher
 * looks the new person_id up, again and again until found; the lag is when the successful search
 * was sent, minus when register answered (0 when the first search found them).
 *
 *   node --import tsx scripts/bench/chains.ts --url http://127.0.0.1:8000 --chains 50 --concurrency 16
 *   (--auth-url, --contacts-url, --chat-url when the services answer apart)
 *
 * Prints one JSON line on stdout.
 */
import { performance } from 'node:perf_hooks'

function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}

const base = option('url') ?? `http://127.0.0.1:${option('port', '8000')}`
const urls = {
  auth: option('auth-url', base)!,
  contacts: option('contacts-url', base)!,
  chat: option('chat-url', base)!,
}
const chains = Number(option('chains', '1000'))
const concurrency = Number(option('concurrency', '16'))
/** How long a searcher keeps looking for a person who registered (then the chain failed). */
const FINDABLE_WITHIN_MS = 10_000
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

interface Answer {
  status: number
  body: Record<string, unknown>
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

class StepFailed extends Error {
  constructor(
    readonly step: string,
    answer: Answer,
  ) {
    super(`${step}: ${answer.status} ${String(answer.body.type ?? '')}`)
  }
}

function expectStatus(step: string, answer: Answer, ...ok: number[]): Answer {
  if (!ok.includes(answer.status)) throw new StepFailed(step, answer)
  return answer
}

interface Person {
  id: string
  person_id: string
  email: string
  token: string
}

const PASSWORD = 'correct horse battery'

/** How long each register took (with ADR 0012 it includes waiting for the projections). */
const registerMs: number[] = []

async function register(tag: string): Promise<{ person: Omit<Person, 'token'>; answeredAt: number }> {
  const username = `e${run}${tag}`
  const sentAt = performance.now()
  const res = expectStatus(
    'register',
    await call(urls.auth, 'POST', '/api/auth/register/', {
      email: `${username}@example.com`,
      username,
      password: PASSWORD,
    }),
    201,
  )
  const answeredAt = performance.now()
  registerMs.push(answeredAt - sentAt)
  return {
    person: {
      id: String(res.body.id),
      person_id: String(res.body.person_id),
      email: `${username}@example.com`,
    },
    answeredAt,
  }
}

async function logIn(p: Omit<Person, 'token'>): Promise<Person> {
  const res = expectStatus(
    'login',
    await call(urls.auth, 'POST', '/api/auth/login/', { email: p.email, password: PASSWORD }),
    200,
  )
  return { ...p, token: String(res.body.access) }
}

/** Milliseconds from register answered to the sending of the search that found the person. */
async function findableAfter(
  searcher: string,
  personId: string,
  answeredAt: number,
): Promise<{ lagMs: number; atOnce: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const sentAt = performance.now()
    const res = await call(urls.contacts, 'POST', '/acac/search/', { person_id: personId }, searcher)
    if (res.status === 200) return { lagMs: Math.max(0, sentAt - answeredAt), atOnce: attempt === 0 }
    if (res.status !== 404 || sentAt - answeredAt > FINDABLE_WITHIN_MS) throw new StepFailed('findable', res)
  }
}

interface ChainResult {
  ok: boolean
  failedAt?: string
  detail?: string
  lagsMs: number[]
  notAtOnce: number
}

async function chain(i: number, searcher: string): Promise<ChainResult> {
  const lagsMs: number[] = []
  let notAtOnce = 0
  try {
    // Each search starts the moment its own register answered.
    const registerAndFind = async (tag: string) => {
      const r = await register(tag)
      return { ...r, found: await findableAfter(searcher, r.person.person_id, r.answeredAt) }
    }
    const [a, b] = await Promise.all([registerAndFind(`${i}a`), registerAndFind(`${i}b`)])
    for (const l of [a.found, b.found]) {
      lagsMs.push(l.lagMs)
      if (!l.atOnce) notAtOnce++
    }
    const [ann, bob] = await Promise.all([logIn(a.person), logIn(b.person)])
    const invite = expectStatus(
      'invite',
      await call(urls.contacts, 'POST', '/acac/send-invite/', { person_id: bob.person_id }, ann.token),
      201,
    )
    const accepted = expectStatus(
      'accept',
      await call(
        urls.contacts,
        'POST',
        '/acac/accept-invite/',
        { invite_id: invite.body.id, accept: true },
        bob.token,
      ),
      200,
    )
    const roomId = String(accepted.body.room_id)
    expectStatus(
      'first message',
      await call(
        urls.chat,
        'POST',
        `/api/chat/conversations/${roomId}/messages/`,
        { content: 'hello', client_id: `e-${run}-${i}` },
        ann.token,
      ),
      201,
    )
    return { ok: true, lagsMs, notAtOnce }
  } catch (err) {
    const step = err instanceof StepFailed ? err.step : 'error'
    return { ok: false, failedAt: step, detail: (err as Error).message, lagsMs, notAtOnce }
  }
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

async function main() {
  const searcherTag = 'searcher'
  const searcher = await logIn((await register(searcherTag)).person)
  const results: ChainResult[] = []
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chains) results.push(await chain(next++, searcher.token))
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const lags = results.flatMap((r) => r.lagsMs).sort((x, y) => x - y)
  const registered = [...registerMs].sort((x, y) => x - y)
  const failedAt: Record<string, number> = {}
  for (const r of results) if (!r.ok) failedAt[r.failedAt!] = (failedAt[r.failedAt!] ?? 0) + 1
  const round = (x: number | null) => (x == null ? null : Math.round(x * 10) / 10)
  console.log(
    JSON.stringify({
      scenario: 'e',
      chains,
      concurrency,
      failed: results.filter((r) => !r.ok).length,
      failed_at: failedAt,
      first_failures: results
        .filter((r) => !r.ok)
        .slice(0, 5)
        .map((r) => r.detail),
      not_findable_at_once: results.reduce((n, r) => n + r.notAtOnce, 0),
      findable_lag_ms: {
        p50: round(quantile(lags, 0.5)),
        p99: round(quantile(lags, 0.99)),
        max: round(lags[lags.length - 1] ?? null),
      },
      register_ms: { p50: round(quantile(registered, 0.5)), p99: round(quantile(registered, 0.99)) },
      chains_per_s: Math.round((chains / seconds) * 10) / 10,
      seconds: Math.round(seconds * 10) / 10,
    }),
  )
}

main().catch((err) => {
  process.stderr.write(`chains failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
