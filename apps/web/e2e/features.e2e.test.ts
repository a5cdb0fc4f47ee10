/**
 * The client-side features of issue 18 with two people in two browser contexts: safe Markdown and
 * links, the image viewer, pasting and dropping files, the emoji picker for the composer and for
 * reactions, drafts per conversation, the "New messages" line and jump-to-latest, browser
 * notifications, the unread count on the tab, and a first load split into small chunks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { api, type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { befriend, directWith, drawPng, sendText, uploadImage } from './fixtures'
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
  WEB_DIST,
} from './harness'

/** Records notifications instead of showing them, and lets the test hide the tab. */
const NOTIFICATION_STUB = `
  window.__notes = []
  window.__permissionAsked = 0
  window.__hidden = false
  class FakeNotification {
    static permission = 'default'
    static async requestPermission() {
      window.__permissionAsked++
      FakeNotification.permission = 'granted'
      return 'granted'
    }
    constructor(title, options) {
      window.__notes.push({ title, body: options && options.body })
    }
    close() {}
  }
  window.Notification = FakeNotification
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') })
  Object.defineProperty(document, 'hidden', { get: () => window.__hidden })
`

describe('issue 18 features in the browser', () => {
  let server: TestServer
  let browser: Browser
  let alice: SignedUpUser, bob: SignedUpUser, carol: SignedUpUser
  let ta: TestPage, tb: TestPage
  let a: Page, b: Page
  let dm: string
  let group: string
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const tag = Date.now().toString(36)
    alice = await signUp(server.url, { username: `alice${tag}` })
    bob = await signUp(server.url, { username: `bob${tag}` })
    carol = await signUp(server.url, { username: `carol${tag}` })
    await befriend(server.url, alice, bob)
    await befriend(server.url, alice, carol)
    dm = await directWith(server.url, alice, bob)
    const created = await api(server.url).post(
      '/api/chat/conversations/',
      { type: 'group', name: `Pals ${tag}`, participant_ids: [bob.id, carol.id] },
      alice.access,
    )
    expect(created.status, created.text).toBeLessThan(300)
    group = created.body.id
    ta = await openPage(browser, server.url, 'alice')
    tb = await openPage(browser, server.url, 'bob')
    ;[a, b] = [ta.page, tb.page]
    await tb.context.addInitScript(NOTIFICATION_STUB)
    await signInInUi(a, alice.email, alice.password)
    await signInInUi(b, bob.email, bob.password)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const log = (p: Page) => p.getByRole('log', { name: 'Messages' })
  const composer = (p: Page) => p.getByLabel('Message', { exact: true })
  const lastMessage = (p: Page): Locator => log(p).locator('li[data-seq]').last()

  it('renders the Markdown subset and safe links on the other side, and never live HTML', async () => {
    await a.goto(`/chats/${dm}`)
    await b.goto(`/chats/${dm}`)
    const text = [
      '**bold** _italic_ ~~struck~~ `inline code`',
      '',
      '```',
      'const answer = 42',
      '```',
      '',
      '> a quote',
      '',
      '- first',
      '- second',
      '',
      'see https://example.com/docs and [mail me](mailto:someone@example.com)',
      '<img src=x onerror="window.__pwned=1"> [click](javascript:window.__pwned=2)',
    ].join('\n')
    await composer(a).fill(text)
    await composer(a).press('Enter')
    const m = lastMessage(b)
    await m.getByText('bold', { exact: true }).waitFor()
    const shape = await m.locator('.msg__text').evaluate((el) => ({
      strong: el.querySelector('strong')?.textContent,
      em: el.querySelector('em')?.textContent,
      s: el.querySelector('s')?.textContent,
      code: el.querySelector('p code')?.textContent,
      pre: el.querySelector('pre code')?.textContent,
      quote: el.querySelector('blockquote')?.textContent?.trim(),
      items: [...el.querySelectorAll('ul > li')].map((li) => li.textContent),
      imgs: el.querySelectorAll('img').length,
      links: [...el.querySelectorAll('a')].map((x) => [
        x.getAttribute('href'),
        x.getAttribute('rel'),
        x.getAttribute('target'),
      ]),
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
    }))
    expect(shape).toEqual({
      strong: 'bold',
      em: 'italic',
      s: 'struck',
      code: 'inline code',
      pre: 'const answer = 42',
      quote: 'a quote',
      items: ['first', 'second'],
      imgs: 0,
      links: [
        ['https://example.com/docs', 'noopener noreferrer', '_blank'],
        ['mailto:someone@example.com', 'noopener noreferrer', '_blank'],
      ],
      pwned: null,
    })
    // The markup is shown as the text it is.
    await m.getByText('<img src=x onerror="window.__pwned=1">', { exact: false }).waitFor()
    await captureScreen(b, 'chat-markdown')
  })

  it('opens an image full size, closes it with Escape and gives the focus back', async () => {
    const png = await drawPng(a, 640, 400)
    const id = await uploadImage(server.url, alice, png, 'wide.png')
    await sendText(server.url, alice, dm, 'wide.png', { message_type: 'image', attachment_ids: [id] })
    for (const size of [DESKTOP, PHONE]) {
      await b.setViewportSize(size)
      const open = log(b).getByRole('button', { name: 'Open Image wide.png' })
      await open.waitFor()
      // By keyboard at one width, by pointer at the other.
      if (size === DESKTOP) {
        await open.focus()
        await b.keyboard.press('Enter')
      } else await open.click()
      const viewer = b.getByRole('dialog', { name: 'Image wide.png' })
      await viewer.waitFor()
      await b.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('dialog[open] img')
        return !!img && img.complete && img.naturalWidth === 640
      })
      if (size === DESKTOP) await captureScreen(b, 'image-viewer')
      await b.keyboard.press('Escape')
      await viewer.waitFor({ state: 'hidden' })
      expect(await open.evaluate((el) => el === document.activeElement)).toBe(true)
    }
    await b.setViewportSize(DESKTOP)
  })

  it('attaches a pasted image and dropped files, and the other side gets them', async () => {
    const png = await drawPng(a, 120, 90)
    const b64 = png.toString('base64')
    await composer(a).focus()
    await composer(a).evaluate((el, data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }))
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }))
    }, b64)
    await a.getByRole('img', { name: 'Preview of pasted.png' }).waitFor()
    expect(await composer(a).inputValue()).toBe('')
    await a.getByRole('button', { name: 'Send' }).click()
    await log(b).getByRole('img', { name: 'Image pasted.png' }).waitFor()

    const dt = await a.evaluateHandle(() => {
      const t = new DataTransfer()
      t.items.add(new File(['meeting notes'], 'notes.txt', { type: 'text/plain' }))
      return t
    })
    await a.dispatchEvent('.chat__main', 'dragover', { dataTransfer: dt })
    await a.getByText('Drop files to attach them').waitFor()
    await a.dispatchEvent('.chat__main', 'drop', { dataTransfer: dt })
    const uploads = a.getByRole('list', { name: 'Attachments to send' })
    await uploads.getByText('notes.txt').waitFor()
    await a.getByRole('button', { name: 'Send' }).click()
    const download = log(b).getByRole('button', { name: /Download notes\.txt/ })
    await download.waitFor()
    // The bytes arrive through the authorised fetch, saved under the file's name.
    const [saved] = await Promise.all([b.waitForEvent('download'), download.click()])
    expect(saved.suggestedFilename()).toBe('notes.txt')
    expect(readFileSync(await saved.path(), 'utf8')).toBe('meeting notes')
    // A refused download says so beside the button (no tab opening the server's error page).
    tb.expectHttpError({ method: 'GET', path: /^\/api\/chat\/attachments\//, status: 404 })
    await b.route('**/api/chat/attachments/**', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'No such attachment.',
        }),
      }),
    )
    await download.click()
    await log(b).getByRole('alert').filter({ hasText: 'Could not download notes.txt' }).waitFor()
    expect(b.context().pages()).toHaveLength(1)
    await b.unroute('**/api/chat/attachments/**')
  })

  it('inserts an emoji from the searchable picker, and reacts with any emoji; the quick six stay', async () => {
    await composer(a).fill('party time ')
    await a.getByRole('button', { name: 'Insert emoji' }).click()
    const picker = a.getByRole('dialog', { name: 'Insert emoji' })
    await picker.getByRole('combobox', { name: 'Search' }).fill('party popper')
    await picker.getByRole('option', { name: /^🎉/ }).first().click()
    // The picker announces the choice asynchronously (after its database lookup).
    await expect.poll(() => composer(a).inputValue()).toBe('party time 🎉')
    await a.getByRole('button', { name: 'Send' }).click()
    const m = lastMessage(b)
    await m.getByText('party time 🎉').waitFor()

    await m.hover()
    await m.getByRole('button', { name: 'React' }).click()
    for (const e of ['👍', '❤️', '😂', '😮', '😢', '🎉'])
      await m.getByRole('button', { name: `React with ${e}` }).waitFor()
    await m.getByRole('button', { name: 'More reactions' }).click()
    const all = b.getByRole('dialog', { name: 'All reactions' })
    await all.getByRole('combobox', { name: 'Search' }).fill('rocket')
    await captureScreen(b, 'emoji-picker')
    await all.getByRole('option', { name: /^🚀/ }).first().click()
    await lastMessage(a).getByRole('button', { name: '🚀 1' }).waitFor()
  })

  it('keeps a draft per conversation when switching, and across a reload', async () => {
    await composer(b).fill('half-written thought for alice')
    await b.goto(`/chats/${group}`)
    await log(b).waitFor()
    expect(await composer(b).inputValue()).toBe('')
    await composer(b).fill('a note for the pals')
    await b
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('link', { name: new RegExp(alice.username) })
      .click()
    // The group's log and composer stay on the page until the direct chat replaces them: wait for
    // the draft rather than for a log, which the group's answers at once.
    await expect
      .poll(() => composer(b).inputValue(), { timeout: 5_000 })
      .toBe('half-written thought for alice')
    await b.reload()
    await log(b).waitFor()
    await expect
      .poll(() => composer(b).inputValue(), { timeout: 5_000 })
      .toBe('half-written thought for alice')
    await b.goto(`/chats/${group}`)
    await expect.poll(() => composer(b).inputValue(), { timeout: 5_000 }).toBe('a note for the pals')
    await composer(b).fill('')
    await b.goto(`/chats/${dm}`)
    await composer(b).fill('')
  })

  it('marks new messages with a line and offers a jump to the latest when scrolled up, at both widths', async () => {
    for (let i = 1; i <= 25; i++) await sendText(server.url, bob, dm, `filler ${i}`)
    for (const size of [DESKTOP, PHONE]) {
      await b.setViewportSize(size)
      await b.goto('/chats')
      const firstNew = `unread while away ${size.width}`
      await sendText(server.url, alice, dm, firstNew)
      await sendText(server.url, alice, dm, `and another ${size.width}`)
      await b.goto(`/chats/${dm}`)
      await log(b).getByText(`and another ${size.width}`).waitFor()
      // The line sits right above the first message that was unread when the chat was opened.
      const divider = log(b).getByRole('separator', { name: 'New messages' })
      await divider.waitFor()
      expect(
        await divider.evaluate((el) => el.closest('li')?.nextElementSibling?.textContent ?? ''),
      ).toContain(firstNew)

      await log(b).evaluate((el) => el.scrollTo({ top: 0 }))
      const jump = b.getByRole('button', { name: 'Jump to latest' })
      await jump.waitFor()
      await sendText(server.url, alice, dm, `arrived while scrolled up ${size.width}`)
      const fresh = b.getByRole('button', { name: '1 new message' })
      await fresh.waitFor()
      if (size === DESKTOP) await captureScreen(b, 'chat-new-messages')
      await fresh.click()
      await fresh.waitFor({ state: 'hidden' })
      await b.waitForFunction(() => {
        const el = document.querySelector('[role="log"]')!
        return el.scrollHeight - el.scrollTop - el.clientHeight < 4
      })
      await composer(b).fill(`seen ${size.width}`)
      await composer(b).press('Enter')
      await log(b).getByRole('separator', { name: 'New messages' }).waitFor({ state: 'detached' })
    }
    await b.setViewportSize(DESKTOP)
  })

  it('keeps the "New messages" line when the participants answer after the messages', async () => {
    // The read receipt for what is on screen waits for my read position at opening: sent first,
    // it would reach the server before the participants were read, and they would answer with the
    // new messages read already (no line).
    const participantsUrl = /\/api\/chat\/conversations\/[^/]+\/participants\/(\?.*)?$/
    await b.goto('/chats')
    await sendText(server.url, alice, dm, 'before late participants')
    await sendText(server.url, alice, dm, 'after late participants')
    await b.route(participantsUrl, async (route) => {
      await new Promise((r) => setTimeout(r, 1_000))
      await route.continue()
    })
    try {
      await b.goto(`/chats/${dm}`)
      await log(b).getByText('after late participants').waitFor()
      const divider = log(b).getByRole('separator', { name: 'New messages' })
      await divider.waitFor()
      expect(
        await divider.evaluate((el) => el.closest('li')?.nextElementSibling?.textContent ?? ''),
      ).toContain('before late participants')
    } finally {
      await b.unroute(participantsUrl)
    }
  })

  it('asks for notification permission only when asked to, then notifies direct messages, never group chatter that mentions nobody', async () => {
    await b.goto('/people')
    expect(
      await b.evaluate(() => (window as unknown as { __permissionAsked: number }).__permissionAsked),
    ).toBe(0)
    await b.getByRole('button', { name: 'Enable notifications' }).click()
    await b.getByRole('button', { name: 'Notifications on' }).waitFor()
    expect(
      await b.evaluate(() => (window as unknown as { __permissionAsked: number }).__permissionAsked),
    ).toBe(1)

    const notes = () =>
      b.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body: string }> }).__notes)
    await sendText(server.url, alice, dm, 'ping from alice')
    await b.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length >= 1)
    expect((await notes())[0]).toEqual({
      title: expect.stringContaining(alice.username),
      body: 'ping from alice',
    })

    // A group message that mentions nobody notifies neither while the tab is visible nor while it
    // is hidden (direct messages and mentions only, the shared rule of issue 18's notifications).
    await sendText(server.url, carol, group, 'group chatter, visible')
    await b
      .getByRole('list', { name: 'Conversation list' })
      .or(b.getByRole('heading', { name: 'People' }))
      .first()
      .waitFor()
    await b.waitForTimeout(500)
    expect((await notes()).length).toBe(1)
    await b.evaluate(() => {
      ;(window as unknown as { __hidden: boolean }).__hidden = true
      document.dispatchEvent(new Event('visibilitychange'))
    })
    const unread = Number(/^\((\d+)\)/.exec(await b.title())?.[1] ?? 0)
    await sendText(server.url, carol, group, 'group chatter, hidden')
    // It arrived (the unread total moved on the tab) without a notification.
    await b.waitForFunction((n) => document.title === `(${n}) Parley`, unread + 1)
    expect((await notes()).length).toBe(1)
    await sendText(server.url, alice, dm, 'direct, hidden')
    await b.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length >= 2)
    expect((await notes())[1].body).toBe('direct, hidden')
    await b.evaluate(() => {
      ;(window as unknown as { __hidden: boolean }).__hidden = false
      document.dispatchEvent(new Event('visibilitychange'))
    })
  })

  it('shows the unread total in the tab title and on the favicon', async () => {
    await b.goto('/people')
    const unread = () =>
      b.evaluate(() => ({
        title: document.title,
        icon: document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.dataset.unread ?? null,
      }))
    await b.waitForFunction(() => /^\(\d+\) Parley$/.test(document.title))
    const before = await unread()
    const n = Number(/^\((\d+)\)/.exec(before.title)?.[1])
    expect(before.icon).toBe(String(n))
    await sendText(server.url, alice, dm, 'one more for the count')
    await b.waitForFunction((want) => document.title === `(${want}) Parley`, n + 1)
    expect((await unread()).icon).toBe(String(n + 1))
    // @NOTE Each visit marks its conversation read over the socket; leaving the page at once could
    // drop that frame, so each step waits until the server has the read (what a person's glance gives).
    const readOnServer = async (conversationId: string) => {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${server.url}/api/chat/conversations/`, {
          headers: { authorization: `Bearer ${bob.access}` },
        })
        type Row = { id: string; unread_count: number }
        const body = (await res.json()) as Row[] | { results: Row[] }
        const rows = Array.isArray(body) ? body : body.results
        if (rows.find((c) => c.id === conversationId)?.unread_count === 0) return
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`conversation ${conversationId} never read on the server`)
    }
    await b.goto(`/chats/${dm}`)
    await readOnServer(dm)
    await b.goto(`/chats/${group}`)
    await readOnServer(group)
    // @NOTE The page's own HTML title is 'Parley' before the app has counted anything: wait for
    // the app's answer (its favicon count) as well, not the first paint.
    await b.waitForFunction(
      () =>
        document.title === 'Parley' &&
        document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.dataset.unread === '0',
    )
    expect(await unread()).toEqual({ title: 'Parley', icon: '0' })
    expectNoConsoleErrors(ta, tb)
  })

  it('splits the build so that no chunk is over 500 kB', () => {
    const assets = join(WEB_DIST, 'assets')
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'))
    expect(js.length).toBeGreaterThan(3)
    const big = js
      .map((f) => [f, statSync(join(assets, f)).size] as const)
      .filter(([, size]) => size > 500 * 1000)
    expect(big).toEqual([])
  })
})
