import { api, unique } from '@parley/platform/testing'

/** Where each service answers: one URL for all of them (one process), or one per service. */
export interface ServiceUrls {
  auth: string
  profile: string
  contacts: string
  chat?: string
}

export interface Newcomer {
  id: string
  person_id: string
  email: string
  username: string
  password: string
}

/** Registers a person and answers as soon as register did: no waiting for any projection. */
export async function register(urls: ServiceUrls): Promise<Newcomer> {
  const username = unique('ryw')
  const body = { email: `${username}@example.com`, username, password: 'correct horse battery' }
  const res = await api(urls.auth).post('/api/auth/register/', body)
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`)
  return { ...res.body, password: body.password }
}

export async function logIn(urls: ServiceUrls, who: Newcomer): Promise<string> {
  const res = await api(urls.auth).post('/api/auth/login/', { email: who.email, password: who.password })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`)
  return res.body.access as string
}

/** Runs `round` `rounds` times, `concurrency` at once; answers each failure's description. */
export async function rounds(
  count: number,
  concurrency: number,
  round: (i: number) => Promise<string[]>,
): Promise<string[]> {
  const failures: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++
        failures.push(...(await round(i)))
      }
    }),
  )
  return failures
}

/**
 * One round of "register, then at once": an inviter invites the newcomer, a blocker blocks them,
 * a searcher finds them, and the newcomer's own chat identity shows username and email.
 */
export async function registerThenAtOnce(
  urls: ServiceUrls,
  others: { inviter: string; blocker: string; searcher: string },
): Promise<string[]> {
  const c = api(urls.contacts)
  const n = await register(urls)
  const [invite, block, search] = await Promise.all([
    c.post('/acac/send-invite/', { person_id: n.person_id }, others.inviter),
    c.post(`/acac/blocks/${n.person_id}/`, {}, others.blocker),
    c.post('/acac/search/', { person_id: n.person_id }, others.searcher),
  ])
  const failures: string[] = []
  if (invite.status !== 201) failures.push(`invite ${invite.status} ${invite.body?.type ?? ''}`)
  if (block.status !== 201) failures.push(`block ${block.status} ${block.body?.type ?? ''}`)
  if (search.status !== 200 || search.body.username !== n.username)
    failures.push(`search ${search.status} ${search.body?.username}`)
  const me = await c.get('/acac/profile/', await logIn(urls, n))
  if (me.body?.username !== n.username || me.body?.email !== n.email)
    failures.push(`profile ${me.body?.username} ${me.body?.email}`)
  return failures
}

/**
 * One onboarding chain, each step the moment the previous one answered: two people register and
 * log in, one invites the other, the other accepts, the first opens their direct conversation in
 * chat and sends the first message there. Answers each step that did not answer as it would once
 * every service knew of the steps before it.
 */
export async function chainToFirstMessage(
  urls: ServiceUrls & { chat: string },
  i: number,
): Promise<string[]> {
  const c = api(urls.contacts)
  const chat = api(urls.chat)
  const [ann, bob] = await Promise.all([register(urls), register(urls)])
  const [annToken, bobToken] = await Promise.all([logIn(urls, ann), logIn(urls, bob)])
  const invite = await c.post('/acac/send-invite/', { person_id: bob.person_id }, annToken)
  if (invite.status !== 201) return [`invite ${invite.status} ${invite.body?.type ?? ''}`]
  const accepted = await c.post('/acac/accept-invite/', { invite_id: invite.body.id, accept: true }, bobToken)
  if (accepted.status !== 200) return [`accept ${accepted.status} ${accepted.body?.type ?? ''}`]
  const opened = await chat.post(
    '/api/chat/conversations/',
    { type: 'direct', participant_ids: [bob.id] },
    annToken,
  )
  if (opened.status !== 200 && opened.status !== 201)
    return [`create conversation ${opened.status} ${opened.body?.type ?? ''}`]
  if (opened.body.id !== accepted.body.room_id)
    return [`create conversation: ${opened.body.id}, not the room`]
  const sent = await chat.post(
    `/api/chat/conversations/${opened.body.id}/messages/`,
    { content: 'hello', client_id: `chain-${i}` },
    annToken,
  )
  if (sent.status !== 201) return [`first message ${sent.status} ${sent.body?.type ?? ''}`]
  return []
}
