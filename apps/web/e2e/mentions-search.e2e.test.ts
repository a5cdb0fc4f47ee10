/**
 * Mentions, message search and people search of issue 18, with two people in two browser
 * contexts at desktop and phone width: `@` autocompletes the members (keyboard only), the mention
 * is highlighted on both sides, counted as "@1" in the other person's conversation list and listed
 * on their Mentions view; a search hit opens its conversation at the message with the history
 * around it; people are found by name unless they turned that off in their profile.
 */
import { api, type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { befriend, sendText } from './fixtures'
import {
  captureScreen,
  DESKTOP,
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  openPage,
  PHONE,
  signInInUi,
  startServer,
  type TestPage,
} from './harness'

describe('mentions, message search and people search in the browser', () => {
  let server: TestServer
  let browser: Browser
  let alice: SignedUpUser, bob: SignedUpUser
  let ta: TestPage, tb: TestPage
  let a: Page, b: Page
  let group: string
  let tag: string
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    tag = Date.now().toString(36)
    alice = await signUp(server.url, { username: `alice${tag}` })
    bob = await signUp(server.url, { username: `bob${tag}`, first_name: 'Bob' })
    // Found by her first name in the people search.
    await signUp(server.url, { username: `dora${tag}`, first_name: `Dorothea${tag}` })
    await befriend(server.url, alice, bob)
    const created = await api(server.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: `Crew ${tag}`, participant_ids: [bob.id] },
      alice.access,
    )
    expect(created.status, created.text).toBeLessThan(300)
    group = created.body.id
    ta = await openPage(browser, server.url, 'alice')
    tb = await openPage(browser, server.url, 'bob')
    ;[a, b] = [ta.page, tb.page]
    await signInInUi(a, alice.email, alice.password)
    await signInInUi(b, bob.email, bob.password)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const log = (p: Page) => p.getByRole('log', { name: 'Messages' })
  const composer = (p: Page) => p.getByLabel('Message', { exact: true })
  const suggestions = (p: Page) => p.getByRole('listbox', { name: 'Mention a member' })
  /** The message whose text is exactly `text`. */
  const messageWith = (p: Page, text: string) =>
    log(p)
      .locator('li[data-seq]')
      .filter({ has: p.locator('.msg__text').getByText(text, { exact: true }) })
  const groupRow = (p: Page) => p.locator(`a[data-conversation-id="${group}"]`)

  it('autocompletes members after @ by keyboard, highlights the mention and badges it "@1" for the other person', async () => {
    for (const [i, size] of [DESKTOP, PHONE].entries()) {
      await a.setViewportSize(size)
      await b.setViewportSize(size)
      await b.goto('/chats')
      await groupRow(b).waitFor()
      await a.goto(`/chats/${group}`)
      await log(a).waitFor()

      await composer(a).pressSequentially(`lunch @${bob.username.slice(0, 4)}`)
      const list = suggestions(a)
      await list.waitFor()
      // Bob, then @here and @channel: alice owns the group. The first option is active.
      const options = list.getByRole('option')
      await expect.poll(() => options.allInnerTexts()).toEqual([expect.stringContaining(`@${bob.username}`)])
      await composer(a).press('ArrowDown')
      expect(await options.first().getAttribute('aria-selected')).toBe('true')
      const activeId = await composer(a).getAttribute('aria-activedescendant')
      expect(activeId).toBe(await options.first().getAttribute('id'))
      if (i === 0) await captureScreen(a, 'mention-autocomplete')
      await composer(a).press('Enter')
      await list.waitFor({ state: 'hidden' })
      expect(await composer(a).inputValue()).toBe(`lunch @${bob.username} `)

      // Escape closes the list and keeps the text; Enter then sends.
      await composer(a).pressSequentially('and @')
      await suggestions(a).waitFor()
      await expect
        .poll(() => suggestions(a).getByRole('option').allInnerTexts())
        .toEqual([
          expect.stringContaining(`@${bob.username}`),
          expect.stringContaining('@here'),
          expect.stringContaining('@channel'),
        ])
      await composer(a).press('ArrowUp')
      expect(await suggestions(a).getByRole('option').last().getAttribute('aria-selected')).toBe('true')
      await composer(a).press('Escape')
      await suggestions(a).waitFor({ state: 'hidden' })
      await composer(a).pressSequentially(' you too?')
      await composer(a).press('Enter')
      const sentText = `lunch @${bob.username} and @ you too?`

      // Alice sees the mention highlighted in her message.
      const mine = log(a).locator('li[data-seq]').filter({ hasText: sentText }).last()
      await mine.locator('.mention', { hasText: `@${bob.username}` }).waitFor()

      // Bob's list counts one unread mention in the group, beside its unread count.
      await groupRow(b).getByLabel('1 unread mention', { exact: true }).waitFor()
      expect(await groupRow(b).getByLabel('1 unread mention', { exact: true }).innerText()).toBe('@1')
      if (i === 0) await captureScreen(b, 'mention-badge')

      // Opening the chat reads it: the badge goes, and the mention of him is marked as his.
      await groupRow(b).click()
      const his = log(b).locator('li[data-seq]').filter({ hasText: sentText }).last()
      await his.locator('.mention--me', { hasText: `@${bob.username}` }).waitFor()
      expect(await his.getAttribute('class')).toContain('msg--mentions-me')
      await expect
        .poll(() =>
          groupRow(b)
            .getByLabel(/unread mention/)
            .count(),
        )
        .toBe(0)
    }
    await a.setViewportSize(DESKTOP)
    await b.setViewportSize(DESKTOP)
  })

  it('lists my mentions on the Mentions view, and a mention opens its conversation at the message', async () => {
    const old = await sendText(server.url, alice, group, `@${bob.username} can you check the oven timer`)
    for (const [i, size] of [DESKTOP, PHONE].entries()) {
      await b.setViewportSize(size)
      await b.goto('/chats')
      await b.getByRole('link', { name: /^Mentions/ }).click()
      await b.waitForURL('**/mentions')
      await b.getByRole('heading', { level: 1, name: 'Mentions' }).waitFor()
      const hits = b.getByRole('list', { name: 'Mentions' }).getByRole('link')
      await hits.first().waitFor()
      expect(await hits.count()).toBe(3)
      expect(await hits.first().innerText()).toContain('oven timer')
      if (i === 0) await captureScreen(b, 'mentions-view')
      await hits.first().click()
      await b.waitForURL(`**/chats/${group}`)
      const target = b.locator(`#msg-${old.id}`)
      await target.waitFor()
      await expect.poll(() => target.evaluate((el) => el === document.activeElement)).toBe(true)
    }
    await b.setViewportSize(DESKTOP)
  })

  it('finds a message in any script across conversations and jumps to it with the history around it', async () => {
    const room = (
      await api(server.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: `Archive ${tag}`, participant_ids: [bob.id] },
        alice.access,
      )
    ).body.id as string
    const needle = await sendText(server.url, alice, room, `the 秘密 recipe is in the blue folder ${tag}`)
    for (let k = 1; k <= 70; k++) await sendText(server.url, alice, room, `filler ${k}`)
    // A message bob may not see: a group he is not in.
    const hidden = (
      await api(server.url).post(
        '/api/chat/conversations/',
        { type: 'group', name: `Hidden ${tag}`, participant_ids: [] },
        alice.access,
      )
    ).body.id as string
    await sendText(server.url, alice, hidden, `another 秘密 nobody else sees ${tag}`)

    for (const [i, size] of [DESKTOP, PHONE].entries()) {
      await b.setViewportSize(size)
      if (i === 0) await b.goto('/chats')
      else {
        // Opened before (its newest page loaded): the jump then pages back to the message.
        await b.goto(`/chats/${room}`)
        await messageWith(b, 'filler 70').waitFor()
        await b.getByRole('link', { name: 'Back to conversations' }).click()
      }
      await b.getByRole('link', { name: 'Search messages' }).click()
      await b.getByRole('heading', { level: 1, name: 'Search messages' }).waitFor()
      await b.getByLabel('Search all conversations').fill('秘密')
      await b.getByLabel('Search all conversations').press('Enter')
      const results = b.getByRole('list', { name: 'Search results' }).getByRole('link')
      await results.first().waitFor()
      expect(await results.count()).toBe(1)
      expect(await results.first().innerText()).toContain('blue folder')
      if (i === 0) await captureScreen(b, 'message-search')
      await results.first().click()
      await b.waitForURL(`**/chats/${room}`)
      const target = b.locator(`#msg-${needle.id}`)
      await target.waitFor()
      // In view, with the focus, and the history around it loaded on both sides.
      await expect.poll(() => target.evaluate((el) => el === document.activeElement)).toBe(true)
      const inView = await target.evaluate((el) => {
        const r = el.getBoundingClientRect()
        const pane = el.closest('[role="log"]')!.getBoundingClientRect()
        return r.bottom > pane.top && r.top < pane.bottom
      })
      expect(inView).toBe(true)
      await messageWith(b, 'filler 1').waitFor()
      await messageWith(b, 'filler 70').waitFor({ state: 'attached' })
    }
    await b.setViewportSize(DESKTOP)
  })

  it('finds people of the workspace by name, and not those who turned it off in their profile', async () => {
    for (const [i, size] of [DESKTOP, PHONE].entries()) {
      await a.setViewportSize(size)
      await a.goto('/people')
      const field = a.getByLabel('Name or username')
      await field.fill(`dorothea${tag}`)
      await field.press('Enter')
      const found = a.getByRole('list', { name: 'People found' }).getByRole('listitem')
      await found.first().waitFor()
      expect(await found.count()).toBe(1)
      expect(await found.first().innerText()).toContain(`Dorothea${tag}`)
      await found
        .first()
        .getByRole('button', { name: `Invite Dorothea${tag}` })
        .waitFor()
      if (i === 0) await captureScreen(a, 'people-search')
    }
    await a.setViewportSize(DESKTOP)

    // Bob turns name search off in his profile: found by person ID only.
    await b.goto('/profile')
    const toggle = b.getByLabel('Let people in my workspace find me by name or username')
    await expect.poll(() => toggle.isChecked()).toBe(true)
    await toggle.uncheck()
    await b.getByText('People find you by person ID only.').waitFor()
    await captureScreen(b, 'profile-discoverable')
    await a.goto('/people')
    await a.getByLabel('Name or username').fill(bob.username)
    await a.getByLabel('Name or username').press('Enter')
    await a.getByText('Nobody in your workspace matches.', { exact: false }).waitFor()
    await a.getByLabel('Person ID', { exact: true }).fill(bob.person_id)
    await a.getByLabel('Person ID', { exact: true }).press('Enter')
    await a.getByRole('group', { name: 'Search result' }).waitFor()
    // And back on: found by name again.
    await b.reload()
    // Kept on the server: off after a reload.
    await expect.poll(() => toggle.isChecked()).toBe(false)
    await toggle.check()
    await b.getByText('People in your workspace can find you by name.').waitFor()
    await a.getByLabel('Name or username').fill('')
    await a.getByLabel('Name or username').fill(bob.username)
    await a.getByLabel('Name or username').press('Enter')
    await a.getByRole('list', { name: 'People found' }).getByText(bob.username, { exact: false }).waitFor()
    expectNoConsoleErrors(ta, tb)
  })
})
