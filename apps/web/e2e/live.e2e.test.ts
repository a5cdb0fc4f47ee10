/**
 * Issue 15 in two browsers: what one person changes shows in the other's open views at once,
 * without a reload. Bob accepts Alice's invite and her "Sent" list flips to accepted; Bob renames
 * himself and Alice's conversation list, chat header, message authors and contact list follow.
 */
import { api, type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  openPage,
  signInInUi,
  startServer,
  type TestPage,
} from './harness'

describe('live people and invites in two browsers', () => {
  let server: TestServer
  let browser: Browser
  let aliceUser: SignedUpUser, bobUser: SignedUpUser
  let alice: TestPage, bob: TestPage
  let a: Page, b: Page
  let roomId: string
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const tag = Date.now().toString(36)
    aliceUser = await signUp(server.url, { username: `alice${tag}` })
    bobUser = await signUp(server.url, { username: `bob${tag}` })
    alice = await openPage(browser, server.url, 'alice')
    bob = await openPage(browser, server.url, 'bob')
    ;[a, b] = [alice.page, bob.page]
    await signInInUi(a, aliceUser.email, aliceUser.password)
    await signInInUi(b, bobUser.email, bobUser.password)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('flips Alice’s sent invite from pending to accepted when Bob accepts, without a reload', async () => {
    await a.getByRole('link', { name: 'People' }).click()
    await a.getByLabel('Person ID', { exact: true }).fill(bobUser.person_id)
    await a.getByRole('button', { name: 'Search' }).click()
    await a.getByRole('button', { name: 'Invite' }).click()
    const sent = a
      .getByRole('list', { name: 'Sent invites' })
      .getByRole('listitem')
      .filter({ hasText: bobUser.username })
    await sent.filter({ hasText: 'pending' }).waitFor()

    // Bob's "Received" list gets the invite live too (his People page was open before it was sent).
    await b.getByRole('link', { name: 'People' }).click()
    const received = b
      .getByRole('list', { name: 'Received invites' })
      .getByRole('listitem')
      .filter({ hasText: aliceUser.username })
    await received.getByRole('button', { name: 'Accept' }).click()
    await b.getByText('Invite accepted').waitFor()

    await sent.filter({ hasText: 'accepted' }).waitFor()
    expect(await sent.getByRole('button', { name: 'Cancel invite' }).count()).toBe(0)
    await a
      .getByRole('list', { name: 'Contact list' })
      .getByRole('listitem')
      .filter({ hasText: bobUser.username })
      .waitFor()
  })

  it('shows Bob’s new name in every view of Alice’s, without a reload', async () => {
    const rooms = await api(server.url).get('/api/chat/conversations/', aliceUser.access)
    roomId = (rooms.body.results ?? rooms.body).find((c: { type: string }) => c.type === 'direct').id
    const hello = await api(server.url).post(
      `/api/chat/conversations/${roomId}/messages/`,
      { content: 'hello from Bob', client_id: 'live-hello' },
      bobUser.access,
    )
    expect(hello.status).toBe(201)
    await a.getByRole('link', { name: 'Chats' }).click()
    await a
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('link', { name: new RegExp(bobUser.username) })
      .click()
    const log = a.getByRole('log', { name: 'Messages' })
    await log.getByText('hello from Bob').waitFor()

    await b.getByRole('link', { name: 'Profile' }).click()
    await b.getByLabel('First name').fill('Robert')
    await b.getByLabel('Last name').fill('Zimmerman')
    await b.getByLabel('Display name').fill('Bobby Z')
    await b.getByRole('button', { name: 'Save profile' }).click()
    await b.getByText('Profile saved.').waitFor()

    // Alice's chat: the header and the conversation list show his display name, his message the
    // name chat gives its authors.
    await a.getByRole('heading', { level: 1, name: 'Bobby Z' }).waitFor()
    await a
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('link', { name: /Bobby Z/ })
      .waitFor()
    await log.locator('li[data-seq][aria-label^="Robert Zimmerman,"]').waitFor()
    // Bob's own top bar too.
    await b.locator('.me__name', { hasText: 'Robert Zimmerman' }).waitFor()

    await a.getByRole('link', { name: 'People' }).click()
    await a
      .getByRole('list', { name: 'Contact list' })
      .getByRole('listitem')
      .filter({ hasText: 'Bobby Z' })
      .waitFor()
    expectNoConsoleErrors(alice, bob)
  })
})
