import { api, type SignedUpUser } from '@parley/platform/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  chainToFirstMessage,
  logIn,
  register,
  registerThenAtOnce,
  rounds,
  type ServiceUrls,
} from './read-your-writes'
import { SPLIT_METRICS_TOKEN, type SplitServices, startSplitServices } from './split-services'

/**
 * Read-your-writes (issue 15, ADR 0012) with auth, profile and contacts each in a process of its
 * own, on PostgreSQL and Redis Streams: the events cross processes through the stream.
 */
describe.runIf(process.env.DATABASE_URL && process.env.REDIS_URL)(
  'read-your-writes with the services as separate processes',
  () => {
    let split: SplitServices
    let urls: ServiceUrls & { chat: string }

    beforeAll(async () => {
      split = await startSplitServices(['auth', 'profile', 'contacts', 'chat'])
      urls = {
        auth: split.urls.auth,
        profile: split.urls.profile,
        contacts: split.urls.contacts,
        chat: split.urls.chat,
      }
    }, 120_000)
    afterAll(() => split?.close())

    async function person(): Promise<SignedUpUser> {
      const n = await register(urls)
      return { ...n, tenant_id: '', access: await logIn(urls, n), refresh: '' }
    }

    it('invites, blocks, finds and shows a person the moment register answered (60 rounds, 8 at once)', async () => {
      const [inviter, blocker, searcher] = [await person(), await person(), await person()]
      const others = { inviter: inviter.access, blocker: blocker.access, searcher: searcher.access }
      const failures = await rounds(60, 8, () => registerThenAtOnce(urls, others))
      // On failure the services' warnings say what a write waited for past its bound.
      expect(failures, split.output.join('')).toEqual([])
    })

    it('register → invite → accept → direct conversation → first message, each at once (40 rounds, 8 at once)', async () => {
      const failures = await rounds(40, 8, (i) => chainToFirstMessage(urls, i))
      expect(failures, split.output.join('')).toEqual([])
    })

    it('shows a rename at once in /api/auth/me/, /acac/profile/, the contact’s list and person search', async () => {
      const [ann, bob] = [await person(), await person()]
      const contacts = api(urls.contacts)
      const invite = await contacts.post('/acac/send-invite/', { person_id: bob.person_id }, ann.access)
      expect(invite.status).toBe(201)
      expect(
        (await contacts.post('/acac/accept-invite/', { invite_id: invite.body.id, accept: true }, bob.access))
          .status,
      ).toBe(200)
      expect((await contacts.get('/acac/sent-invites/', ann.access)).body.count).toBe(0)
      for (let i = 1; i <= 5; i++) {
        const names = { first_name: `Annika${i}`, last_name: `Berg${i}`, display_name: `Nika ${i}` }
        expect((await api(urls.profile).patch('/profiles/profile/', names, ann.access)).status).toBe(200)
        const [me, chatMe, bobsContacts, found] = await Promise.all([
          api(urls.auth).get('/api/auth/me/', ann.access),
          contacts.get('/acac/profile/', ann.access),
          contacts.get('/acac/contacts/', bob.access),
          contacts.post('/acac/search/', { person_id: ann.person_id }, bob.access),
        ])
        expect(me.body).toMatchObject({ first_name: names.first_name, last_name: names.last_name })
        expect(chatMe.body).toMatchObject(names)
        expect(bobsContacts.body.results[0].contact).toMatchObject({ user_id: ann.id, ...names })
        expect(found.body).toMatchObject({ user_id: ann.id, ...names })
      }
    })

    it('reports the projection lag per consumer on /metrics', async () => {
      const metricsAuth = { headers: { authorization: `Bearer ${SPLIT_METRICS_TOKEN}` } }
      const text = await (await fetch(`${urls.contacts}/metrics`, metricsAuth)).text()
      expect(text).toMatch(
        /parley_event_projection_lag_seconds_count\{consumer="contacts.identities"\} [1-9]/,
      )
      const auth = await (await fetch(`${urls.auth}/metrics`, metricsAuth)).text()
      expect(auth).toMatch(/parley_event_settle_wait_seconds_count [1-9]/)
    })
  },
)
