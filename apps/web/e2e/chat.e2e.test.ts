/**
 * Two people in two browser contexts against the real server: sign up, find each other by
 * person_id, invite, accept, and chat live (typing, read ticks, a reaction, a reply, an edit, a
 * delete, an image attachment), then one goes offline and catches up after reconnecting.
 */
import type { TestServer } from '@parley/platform/testing'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  captureScreen,
  connected,
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  messageTexts,
  openPage,
  person,
  signUpInUi,
  startServer,
  type TestPage,
} from './harness'

// A 2×2 PNG (red, green, blue, white), so the preview has real pixels.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC',
  'base64',
)

describe('two people chat in the browser', () => {
  let server: TestServer
  let browser: Browser
  let alice: TestPage
  let bob: TestPage
  let a: Page
  let b: Page
  const A = person('alice')
  const B = person('bob')
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    alice = await openPage(browser, server.url, 'alice')
    bob = await openPage(browser, server.url, 'bob')
    a = alice.page
    b = bob.page
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const message = (page: Page, seq: number): Locator =>
    page.getByRole('log', { name: 'Messages' }).locator(`li[data-seq="${seq}"]`)
  const composer = (page: Page) => page.getByLabel('Message', { exact: true })

  it('signs both up, finds the other by person_id, invites and accepts', async () => {
    await a.goto('/sign-up')
    await a.getByRole('button', { name: 'Sign up' }).waitFor()
    await captureScreen(a, 'sign-up')
    await signUpInUi(a, A)
    await signUpInUi(b, B)

    await b.getByRole('link', { name: 'People' }).click()
    const pid = (await b.getByLabel('Your person ID').textContent())?.trim() ?? ''
    expect(pid).toMatch(/^\d{6}$/)

    await a.getByRole('link', { name: 'People' }).click()
    await a.getByLabel('Person ID', { exact: true }).fill(pid)
    await a.getByRole('button', { name: 'Search' }).click()
    await a.getByRole('group', { name: 'Search result' }).getByText(B.username).waitFor()
    await a.getByRole('button', { name: 'Invite' }).click()
    await a.getByText('Invite sent.').waitFor()
    await a
      .getByRole('list', { name: 'Sent invites' })
      .getByRole('listitem')
      .filter({ hasText: B.username })
      .waitFor()
    await captureScreen(a, 'people')

    await b.reload()
    const invite = b
      .getByRole('list', { name: 'Received invites' })
      .getByRole('listitem')
      .filter({ hasText: A.username })
    await invite.getByRole('button', { name: 'Accept' }).click()
    await b.getByText('Invite accepted').waitFor()
    const contact = b
      .getByRole('list', { name: 'Contact list' })
      .getByRole('listitem')
      .filter({ hasText: A.username })
    await contact.getByRole('button', { name: 'Message' }).click()
    await b.getByRole('log', { name: 'Messages' }).waitFor()

    await a.getByRole('link', { name: 'Chats' }).click()
    await a
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('link', { name: new RegExp(B.username) })
      .click()
    await a.getByRole('log', { name: 'Messages' }).waitFor()
  })

  it('shows typing, the message live on the other side, and a read tick', async () => {
    await composer(a).fill('hello bob')
    await b
      .getByRole('status')
      .filter({ hasText: /is typing…/ })
      .waitFor()
    await a.getByRole('button', { name: 'Send' }).click()
    await message(b, 1).getByText('hello bob').waitFor()
    await message(a, 1).getByRole('img', { name: 'Read' }).waitFor()
    // Sending clears the typing indicator on the other side.
    await b
      .getByRole('status')
      .filter({ hasText: /is typing…/ })
      .waitFor({ state: 'detached' })
    await captureScreen(a, 'chat-view')
  })

  it('shows a reaction, a reply, an edit and a delete on the other side', async () => {
    const bm = message(b, 1)
    await bm.hover()
    await bm.getByRole('button', { name: 'React' }).click()
    await bm.getByRole('button', { name: 'React with 👍' }).click()
    await message(a, 1).getByRole('button', { name: '👍 1' }).waitFor()

    await bm.hover()
    await bm.getByRole('button', { name: 'Reply' }).click()
    await composer(b).fill('hi alice')
    await composer(b).press('Enter')
    await message(a, 2).getByText('hi alice').waitFor()
    await message(a, 2)
      .getByRole('button', { name: /^Reply to .*hello bob/ })
      .waitFor()

    const am = message(a, 1)
    await am.hover()
    await am.getByRole('button', { name: 'Edit' }).click()
    await a.getByLabel('Edit message').fill('hello bob!!')
    await a.getByRole('button', { name: 'Save' }).click()
    await message(b, 1).getByText('hello bob!!').waitFor()
    await message(b, 1).getByText('edited').waitFor()

    await am.hover()
    await am.getByRole('button', { name: 'Delete' }).click()
    await am.getByRole('button', { name: 'Confirm delete' }).click()
    await message(b, 1).getByText('This message was deleted').waitFor()
    await message(b, 1).getByText('hello bob!!').waitFor({ state: 'detached' })
  })

  it('shows an image attachment as a preview on the other side', async () => {
    await a.getByLabel('Attach file').setInputFiles({ name: 'dots.png', mimeType: 'image/png', buffer: PNG })
    await a.getByRole('img', { name: 'Preview of dots.png' }).waitFor()
    await a.getByRole('button', { name: 'Send' }).click()
    const img = message(b, 3).getByRole('img', { name: 'Image dots.png' })
    await img.waitFor()
    // The preview really loaded (an authorised download of the stored file), not just an empty
    // <img>. By selector, not element handle: React may swap the element when the message refreshes.
    await b.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('img[alt="Image dots.png"]')].some(
          (el) => el.complete && el.naturalWidth > 0,
        ),
      undefined,
      { timeout: 15_000 },
    )
    expect(await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight])).toEqual([2, 2])
  })

  it('catches up after reconnecting: three messages in order, once, plus an edit and a reaction made meanwhile', async () => {
    await composer(a).fill('before the break')
    await a.getByRole('button', { name: 'Send' }).click()
    await message(b, 4).getByText('before the break').waitFor()

    await bob.context.setOffline(true)
    await b
      .getByTestId('connection-status')
      .filter({ hasText: /Offline|Reconnecting/ })
      .waitFor()

    for (const text of ['away one', 'away two', 'away three']) {
      await composer(a).fill(text)
      await a.getByRole('button', { name: 'Send' }).click()
    }
    await message(a, 7).getByText('away three').waitFor()
    await message(a, 7).getByRole('img', { name: 'Sent' }).waitFor()
    // Changes to messages bob already has, which only the sync replay can bring.
    const am = message(a, 4)
    await am.hover()
    await am.getByRole('button', { name: 'Edit' }).click()
    await a.getByLabel('Edit message').fill('before the break (edited)')
    await a.getByRole('button', { name: 'Save' }).click()
    await am.getByText('before the break (edited)').waitFor()
    const reply = message(a, 2)
    await reply.hover()
    await reply.getByRole('button', { name: 'React' }).click()
    await reply.getByRole('button', { name: 'React with 🎉' }).click()
    await reply.getByRole('button', { name: '🎉 1' }).waitFor()
    expect(
      await b
        .getByRole('log', { name: 'Messages' })
        .getByText(/away (one|two|three)/)
        .count(),
    ).toBe(0)

    await bob.context.setOffline(false)
    await connected(b)
    await message(b, 7).getByText('away three').waitFor()
    expect((await messageTexts(b)).filter((t) => /away (one|two|three)/.test(t))).toEqual([
      expect.stringContaining('away one'),
      expect.stringContaining('away two'),
      expect.stringContaining('away three'),
    ])
    expect(
      await b
        .getByRole('log', { name: 'Messages' })
        .locator('li[data-seq]')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq')))),
    ).toEqual([1, 2, 3, 4, 5, 6, 7])
    await message(b, 4).getByText('before the break (edited)').waitFor()
    await message(b, 2).getByRole('button', { name: '🎉 1' }).waitFor()
    // The reconnected side reads them, and the sender sees it.
    await message(a, 7).getByRole('img', { name: 'Read' }).waitFor()
  })

  it('shows the chat list with the conversation, and logged no console errors', async () => {
    await a.getByRole('link', { name: 'Chats' }).click()
    await a
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('link', { name: new RegExp(B.username) })
      .waitFor()
    await captureScreen(a, 'chat-list')
    expectNoConsoleErrors(alice, bob)
  })
})
