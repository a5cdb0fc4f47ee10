/**
 * The rough edges of issue 18, each its own check (not one journey, so each shows its own
 * failure): the pane reaches the bottom after an image, a long word keeps the phone layout
 * inside the screen, a long paste is refused instead of cut, error texts are human, a deep link
 * survives sign-in, the toolbar, the members panel and the tab order behave, and axe passes on a
 * conversation with a reply quote. Accounts, contacts and messages are set up through the API.
 */
import { api, type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { befriend, directWith, drawPng, sendText, uploadImage } from './fixtures'
import {
  captureScreen,
  DESKTOP,
  errorBeside,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  PHONE,
  signInInUi,
  startServer,
  type TestPage,
} from './harness'

/** Pixels between the bottom of the scrolled message pane and the bottom of its content. */
const gapBelow = (p: Page) =>
  p.getByRole('log', { name: 'Messages' }).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)

const settle = (p: Page) =>
  p.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))),
  )

describe('rough edges of the web client', () => {
  let server: TestServer
  let browser: Browser
  let alice: SignedUpUser, bob: SignedUpUser, carol: SignedUpUser, dave: SignedUpUser
  let ta: TestPage, tb: TestPage
  let a: Page, b: Page
  let dm: string
  let group: string

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const tag = Date.now().toString(36)
    alice = await signUp(server.url, { username: `alice${tag}` })
    bob = await signUp(server.url, { username: `bobbrownthebuilder${tag}` })
    carol = await signUp(server.url, { username: `carol${tag}` })
    dave = await signUp(server.url, { username: `dave${tag}` })
    await befriend(server.url, alice, bob)
    await befriend(server.url, alice, carol)
    dm = await directWith(server.url, alice, bob)
    const created = await api(server.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: `Crew ${tag}`, participant_ids: [bob.id, carol.id] },
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

  it('reaches the very bottom of a conversation whose last messages include an image, after reload too', async () => {
    for (let i = 1; i <= 14; i++) await sendText(server.url, alice, dm, `warm-up message ${i}`)
    const png = await drawPng(a, 480, 360)
    const attachment = await uploadImage(server.url, alice, png, 'gradient.png')
    await sendText(server.url, alice, dm, 'gradient.png', {
      message_type: 'image',
      attachment_ids: [attachment],
    })
    await sendText(server.url, alice, dm, 'the last words after the image')

    for (const size of [DESKTOP, PHONE]) {
      await b.setViewportSize(size)
      for (const reload of [false, true]) {
        if (reload) await b.reload()
        else await b.goto(`/chats/${dm}`)
        await b.getByRole('log', { name: 'Messages' }).getByText('the last words after the image').waitFor()
        await b.waitForFunction(() =>
          [...document.querySelectorAll<HTMLImageElement>('img[alt="Image gradient.png"]')].some(
            (el) => el.complete && el.naturalWidth > 0,
          ),
        )
        await settle(b)
        expect(await gapBelow(b), `gap below at ${size.width}px, reload ${reload}`).toBeLessThanOrEqual(2)
      }
    }
    await b.setViewportSize(DESKTOP)
  })

  it('keeps the phone conversation list on screen when the last message is one long word', async () => {
    await sendText(server.url, alice, dm, `https://example.com/${'a'.repeat(400)}`)
    await sendText(server.url, carol, group, 'w'.repeat(4000))
    await b.setViewportSize(PHONE)
    await b.goto('/chats')
    const list = b.getByRole('list', { name: 'Conversation list' })
    await list.getByRole('link').nth(1).waitFor()
    await settle(b)
    const widths = await b.evaluate(() => ({
      doc: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
    }))
    expect(widths.doc).toBeLessThanOrEqual(PHONE.width)
    expect(widths.body).toBeLessThanOrEqual(PHONE.width)
    for (const el of [
      b.getByRole('button', { name: 'New group' }),
      list.getByLabel(/unread message/).first(),
    ]) {
      const box = await el.boundingBox()
      expect(box).not.toBeNull()
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width)
    }
    await b.setViewportSize(DESKTOP)
  })

  it('refuses a message over 4,000 characters with a counter instead of cutting it', async () => {
    await b.goto(`/chats/${dm}`)
    const composer = b.getByLabel('Message', { exact: true })
    const long = `${'lorem ipsum '.repeat(416)}THE END`
    expect(long.length).toBeGreaterThan(5000 - 10)
    await composer.fill(long)
    expect((await composer.inputValue()).length).toBe(long.length)
    const over = long.length - 4000
    await b.getByText(`${over.toLocaleString('en-US')} characters over the limit`).waitFor()
    expect(await b.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)
    await composer.press('Enter')
    expect((await composer.inputValue()).length).toBe(long.length)
    await composer.fill('x'.repeat(3950))
    await b.getByText('50 characters left').waitFor()
    expect(await b.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true)
    await composer.fill('')
  })

  it('speaks human in errors, and the Invite button reflects the invite and the contact', async () => {
    await a.goto('/people')
    const search = async (pid: string) => {
      await a.getByLabel('Person ID', { exact: true }).fill(pid)
      await a.getByRole('button', { name: 'Search' }).click()
    }
    const result = a.getByRole('group', { name: 'Search result' })
    await search(dave.person_id)
    await result.getByText(dave.username).waitFor()
    await result.getByRole('button', { name: 'Invite' }).click()
    await result.getByRole('button', { name: 'Invited' }).waitFor()
    expect(await result.getByRole('button', { name: 'Invited' }).isDisabled()).toBe(true)
    // Searching again still knows about the pending invite.
    await search(dave.person_id)
    await result.getByText(dave.username).waitFor()
    await result.getByRole('button', { name: 'Invited' }).waitFor()
    expect(await result.getByRole('button', { name: 'Invite', exact: true }).count()).toBe(0)
    // A contact is not offered an invite.
    await search(bob.person_id)
    await result.getByText(bob.username).waitFor()
    await result.getByText('Already a contact').waitFor()
    expect(await result.getByRole('button', { name: 'Invite', exact: true }).count()).toBe(0)
    expect(await a.locator('body').innerText()).not.toMatch(/invite [0-9a-f]{8}-/i)

    // A bad reset link: the sentence, not "token: …".
    const reset = await openPage(browser, server.url, 'reset')
    reset.expectHttpError({ method: 'POST', path: /\/api\/auth\//, status: 400 })
    await reset.page.goto('/reset-password?token=not-a-real-token')
    await reset.page.getByLabel('New password').fill('another fine password')
    await reset.page.getByLabel('Confirm password').fill('another fine password')
    await reset.page.getByRole('button', { name: 'Reset password' }).click()
    const alert = reset.page.getByRole('alert').filter({ hasText: /\S/ }).first()
    await alert.waitFor()
    const text = (await alert.innerText()).trim()
    expect(text).not.toMatch(/^token:/i)
    expect(text).toMatch(/reset link is invalid or has expired/i)
    expectNoConsoleErrors(reset)
    await reset.context.close()

    // Month 13: a sentence about months, not the validator's "Too big: expected number to be <=12".
    await a.getByRole('link', { name: 'Profile' }).click()
    await a.getByRole('button', { name: 'Add card' }).click()
    const card = a.getByRole('form', { name: 'New card' })
    ta.expectHttpError({ method: 'POST', path: '/profiles/cards/', status: 400 })
    await card.getByLabel('Card number').fill('4111 1111 1111 1111')
    await card.getByLabel('Cardholder name').fill('Alice A')
    await card.getByLabel('Expiry month').fill('13')
    await card.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 3))
    await card.getByRole('button', { name: 'Save card' }).click()
    const month = await errorBeside(card, 'Expiry month')
    expect(month).not.toMatch(/too big|expected|<=/i)
    expect(month).toMatch(/1.*12/)
  })

  it('returns to the deep-linked conversation after signing in, every time', async () => {
    const eve = await openPage(browser, server.url, 'deep-link')
    const p = eve.page
    for (let round = 1; round <= 4; round++) {
      await p.goto(`/chats/${dm}`)
      await p.waitForURL('**/sign-in')
      await p.getByLabel('Email').fill(bob.email)
      await p.getByLabel('Password').fill(bob.password)
      await p.getByRole('button', { name: 'Sign in' }).click()
      await p.waitForURL(`**/chats/${dm}`)
      await p.getByRole('log', { name: 'Messages' }).waitFor()
      // Stays there: no late redirect to /chats.
      await settle(p)
      expect(new URL(p.url()).pathname, `round ${round}`).toBe(`/chats/${dm}`)
      // A signed-in visit to the sign-in page goes to the chats.
      await p.goto('/sign-in')
      await p.waitForURL('**/chats')
      await p.getByRole('button', { name: 'Sign out' }).click()
      await p.waitForURL('**/sign-in')
    }
    expectNoConsoleErrors(eve)
    await eve.context.close()
  })

  it('shows the hover toolbar beside its message, not over it', async () => {
    await b.setViewportSize(DESKTOP)
    await b.goto(`/chats/${dm}`)
    const last = b
      .getByRole('log', { name: 'Messages' })
      .locator('li[data-seq]')
      .filter({ hasText: 'warm-up message 14' })
    await last.scrollIntoViewIfNeeded()
    await last.hover()
    const bar = last.getByRole('group', { name: 'Message actions' })
    await bar.getByRole('button', { name: 'Reply' }).waitFor()
    await settle(b)
    const [barBox, bubbleBox] = await Promise.all([
      bar.boundingBox(),
      last.locator('.msg__bubble').boundingBox(),
    ])
    expect(barBox && bubbleBox).toBeTruthy()
    const overlapX =
      Math.min(barBox!.x + barBox!.width, bubbleBox!.x + bubbleBox!.width) - Math.max(barBox!.x, bubbleBox!.x)
    const overlapY =
      Math.min(barBox!.y + barBox!.height, bubbleBox!.y + bubbleBox!.height) -
      Math.max(barBox!.y, bubbleBox!.y)
    expect(
      overlapX <= 0 || overlapY <= 0,
      `toolbar ${JSON.stringify(barBox)} over bubble ${JSON.stringify(bubbleBox)}`,
    ).toBe(true)
  })

  it('keeps each member on one line in the Members panel', async () => {
    for (const size of [DESKTOP, PHONE]) {
      await a.setViewportSize(size)
      await a.goto(`/chats/${group}`)
      await a.getByRole('button', { name: 'Members' }).click()
      const panel = a.getByRole('complementary', { name: 'Members' })
      const row = panel.getByRole('listitem').filter({ hasText: bob.username })
      await row.waitFor()
      const lines = await row.locator('.member__name').evaluate((el) => {
        const lh =
          parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.5
        return el.getBoundingClientRect().height / lh
      })
      expect(lines, `member name lines at ${size.width}px`).toBeLessThan(1.5)
      expect(await row.getByRole('button', { name: /^Remove / }).isVisible()).toBe(true)
    }
    await a.setViewportSize(DESKTOP)
  })

  it('gives the message list one tab stop, with arrow keys between messages', async () => {
    await b.goto(`/chats/${dm}`)
    const log = b.getByRole('log', { name: 'Messages' })
    await log.getByText('the last words after the image').waitFor()
    const tabbable = await log.evaluate(
      (el) =>
        [...el.querySelectorAll<HTMLElement>('a[href], button, input, textarea, select, [tabindex]')].filter(
          (n) => n.tabIndex >= 0 && !(n as HTMLButtonElement).disabled && n.getClientRects().length > 0,
        ).length,
    )
    expect(tabbable).toBeLessThanOrEqual(8)
    // Tab from the conversation header reaches the composer after at most a handful of stops.
    await b.getByLabel('Search conversations').focus()
    let stops = 0
    for (; stops < 40; stops++) {
      await b.keyboard.press('Tab')
      if (
        await b.evaluate(
          () =>
            document.activeElement?.getAttribute('aria-label') === null &&
            document.activeElement?.tagName === 'TEXTAREA',
        )
      )
        break
    }
    expect(stops).toBeLessThan(40)
    const conversations = await b.getByRole('list', { name: 'Conversation list' }).getByRole('link').count()
    expect(stops - conversations).toBeLessThanOrEqual(10)
    // Arrow keys move between messages.
    const focusedSeq = () =>
      b.evaluate(() => Number(document.activeElement?.closest('li[data-seq]')?.getAttribute('data-seq') ?? 0))
    await log.locator('li[data-seq]').last().focus()
    const start = await focusedSeq()
    await b.keyboard.press('ArrowUp')
    expect(await focusedSeq()).toBe(start - 1)
    await b.keyboard.press('ArrowDown')
    expect(await focusedSeq()).toBe(start)
  })

  it('passes axe on a conversation with a reply quote, with a main landmark and a level-one heading', async () => {
    const first = await sendText(server.url, alice, dm, 'what do you think of the gradient?')
    await sendText(server.url, bob, dm, 'it looks lovely', { reply_to: first.id })
    await b.goto(`/chats/${dm}`)
    await b.getByRole('button', { name: /^Reply to .*gradient/ }).waitFor()
    expect(await b.getByRole('main').count()).toBe(1)
    for (const size of [DESKTOP, PHONE]) {
      await b.setViewportSize(size)
      await settle(b)
      expect(
        await b.getByRole('heading', { level: 1 }).filter({ visible: true }).count(),
        `h1 at ${size.width}px`,
      ).toBeGreaterThanOrEqual(1)
    }
    await b.setViewportSize(DESKTOP)
    await captureScreen(b, 'chat-reply')
    await b.goto('/chats')
    await b.getByRole('list', { name: 'Conversation list' }).waitFor()
    expect(await b.getByRole('main').count()).toBe(1)
    expectNoConsoleErrors(ta, tb)
  })
})
