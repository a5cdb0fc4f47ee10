/**
 * A group of three in the browser against the real server: the owner creates it, everyone
 * chats, the owner removes a member, and the removed member stops seeing new messages.
 * (Accounts and contacts are set up through the API; the group itself is made in the UI.)
 */
import { api, type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  captureScreen,
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  messageTexts,
  openPage,
  signInInUi,
  startServer,
  type TestPage,
} from './harness'

async function befriend(baseUrl: string, from: SignedUpUser, to: SignedUpUser) {
  const client = api(baseUrl)
  const sent = await client.post('/acac/send-invite/', { person_id: to.person_id }, from.access)
  expect(sent.status, sent.text).toBeLessThan(300)
  const received = await client.get('/acac/received-invite/', to.access)
  const list = Array.isArray(received.body) ? received.body : received.body.results
  const invite = list.find((i: { id: string }) => i.id === sent.body.id) ?? list[0]
  const accepted = await client.post(
    '/acac/accept-invite/',
    { invite_id: invite.id, accept: true },
    to.access,
  )
  expect(accepted.status, accepted.text).toBeLessThan(300)
}

describe('a group of three in the browser', () => {
  let server: TestServer
  let browser: Browser
  let owner: SignedUpUser, bobUser: SignedUpUser, carolUser: SignedUpUser
  let alice: TestPage, bob: TestPage, carol: TestPage
  let a: Page, b: Page, c: Page
  let group: string
  let conversationId: string
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const tag = Date.now().toString(36)
    owner = await signUp(server.url, { username: `alice${tag}` })
    bobUser = await signUp(server.url, { username: `bob${tag}` })
    carolUser = await signUp(server.url, { username: `carol${tag}` })
    await befriend(server.url, owner, bobUser)
    await befriend(server.url, owner, carolUser)
    group = `Team ${tag}`
    alice = await openPage(browser, server.url, 'alice')
    bob = await openPage(browser, server.url, 'bob')
    carol = await openPage(browser, server.url, 'carol')
    ;[a, b, c] = [alice.page, bob.page, carol.page]
    await signInInUi(a, owner.email, owner.password)
    await signInInUi(b, bobUser.email, bobUser.password)
    await signInInUi(c, carolUser.email, carolUser.password)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const log = (p: Page) => p.getByRole('log', { name: 'Messages' })
  async function send(p: Page, text: string) {
    await p.getByLabel('Message', { exact: true }).fill(text)
    await p.getByRole('button', { name: 'Send' }).click()
  }

  it('creates the group with two contacts, and both members see it and its messages live', async () => {
    await a.getByRole('button', { name: 'New group' }).click()
    const dialog = a.getByRole('dialog', { name: 'New group' })
    await dialog.getByLabel('Name').fill(group)
    await dialog.getByLabel(`${bobUser.username} · #${bobUser.person_id}`).check()
    await dialog.getByLabel(`${carolUser.username} · #${carolUser.person_id}`).check()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await a.getByRole('heading', { name: group }).waitFor()
    conversationId = a.url().split('/chats/')[1]
    expect(conversationId).toBeTruthy()

    for (const p of [b, c]) {
      await p
        .getByRole('list', { name: 'Conversation list' })
        .getByRole('link', { name: new RegExp(group) })
        .click()
      await log(p).waitFor()
    }
    await send(a, 'hello team')
    await log(b).getByText('hello team').waitFor()
    await log(c).getByText('hello team').waitFor()
    await send(b, 'hi from bob')
    await log(a).getByText('hi from bob').waitFor()
    await log(c).getByText('hi from bob').waitFor()
  })

  it('removes a member, who stops seeing new messages while the others keep chatting', async () => {
    await a.getByRole('button', { name: 'Members' }).click()
    const panel = a.getByRole('complementary', { name: 'Members' })
    await panel.getByRole('button', { name: `Remove ${bobUser.username}` }).waitFor()
    await captureScreen(a, 'group-members')
    // Once he is out, bob's page asks for the conversation, its members and its messages again,
    // and the server answers 404 (not a member) to each.
    for (const sub of ['', 'participants/', 'messages/'])
      bob.expectHttpError({
        method: 'GET',
        path: `/api/chat/conversations/${conversationId}/${sub}`,
        status: 404,
      })
    await panel.getByRole('button', { name: `Remove ${bobUser.username}` }).click()
    await a.getByText('Member removed.').waitFor()
    await panel.getByRole('button', { name: `Remove ${bobUser.username}` }).waitFor({ state: 'detached' })

    await send(a, 'after bob left')
    await log(c).getByText('after bob left').waitFor()
    await send(c, 'carol still here')
    await log(a).getByText('carol still here').waitFor()
    // Carol's copy arriving at alice means the server fanned both out; bob got neither.
    expect((await messageTexts(b)).join('\n')).not.toMatch(/after bob left|carol still here/)

    // Not even after a fresh load: the server does not let him read the conversation any more.
    await b.goto(`/chats/${conversationId}`)
    await b
      .getByRole('alert')
      .filter({ hasText: /no longer a member|does not exist/ })
      .waitFor()
    expect(await b.getByText('after bob left').count()).toBe(0)
    const history = await api(server.url).get(
      `/api/chat/conversations/${conversationId}/messages/`,
      bobUser.access,
    )
    expect(history.status).toBe(404)
    expectNoConsoleErrors(alice, bob, carol)
  })
})
