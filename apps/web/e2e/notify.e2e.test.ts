/**
 * Notifications of issue 18 that the server knows about, with two people and a second device:
 * the permission asked for only on a click, browser notifications for direct messages while the
 * tab is hidden, a conversation muted on one device and do-not-disturb switched on another
 * (each device honours both at once), the unread total in the title and on the favicon, the
 * service worker for Web Push, and axe on the changed screens at both widths.
 */
import { type SignedUpUser, signUp, type TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { befriend, directWith, sendText } from './fixtures'
import {
  captureScreen,
  connected,
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  openPage,
  PHONE,
  signInInUi,
  startServer,
  type TestPage,
} from './harness'

/**
 * Observes the real Notification API (the permission is granted through the context): counts
 * permission prompts and records every notification, and lets the test hide the tab.
 */
const OBSERVE_NOTIFICATIONS = `
  window.__notes = []
  window.__permissionAsked = 0
  window.__hidden = false
  const Real = window.Notification
  class Observed extends Real {
    constructor(title, options) {
      super(title, options)
      window.__notes.push({ title, body: options && options.body })
    }
    static get permission() { return Real.permission }
    static requestPermission(...args) {
      window.__permissionAsked++
      return Real.requestPermission(...args)
    }
  }
  window.Notification = Observed
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') })
  Object.defineProperty(document, 'hidden', { get: () => window.__hidden })
`

type Note = { title: string; body: string }
const notes = (p: Page) => p.evaluate(() => (window as unknown as { __notes: Note[] }).__notes)
const setHidden = (p: Page, hidden: boolean) =>
  p.evaluate((h) => {
    ;(window as unknown as { __hidden: boolean }).__hidden = h
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
const unreadInTab = (p: Page) =>
  p.evaluate(() => ({
    title: document.title,
    icon: document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.dataset.unread ?? null,
  }))
/** The count a tab title shows ("(3) Parley"), 0 for none. */
const titleCount = (title: string) => Number(/^\((\d+)\)/.exec(title)?.[1] ?? 0)

describe('notifications the server knows about', () => {
  let server: TestServer
  let browser: Browser
  let alice: SignedUpUser, bob: SignedUpUser
  /** Bob at his desk (1280×800) and on his phone (390×844), signed in as the same person. */
  let desk: TestPage, phone: TestPage
  let d: Page, p: Page
  let dm: string
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const tag = Date.now().toString(36)
    alice = await signUp(server.url, { username: `alice${tag}` })
    bob = await signUp(server.url, { username: `bob${tag}` })
    await befriend(server.url, alice, bob)
    dm = await directWith(server.url, bob, alice)
    desk = await openPage(browser, server.url, 'bob-desk')
    phone = await openPage(browser, server.url, 'bob-phone')
    for (const t of [desk, phone]) {
      await t.context.grantPermissions(['notifications'], { origin: server.url })
      await t.context.addInitScript(OBSERVE_NOTIFICATIONS)
    }
    ;[d, p] = [desk.page, phone.page]
    await p.setViewportSize(PHONE)
    await signInInUi(d, bob.email, bob.password)
    await signInInUi(p, bob.email, bob.password)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('asks for nothing on load; enabling notifications registers the service worker, then a hidden tab notifies a direct message', async () => {
    const asked = () =>
      d.evaluate(() => (window as unknown as { __permissionAsked: number }).__permissionAsked)
    expect(await asked()).toBe(0)
    expect(await notes(d)).toEqual([])
    const enable = d.getByRole('button', { name: 'Enable notifications' })
    await enable.click()
    await d.getByRole('button', { name: 'Notifications on' }).waitFor()
    // The service worker that shows Web Push is served and registered at the root scope.
    const worker = await d.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready
      return { script: reg.active?.scriptURL ?? '', scope: reg.scope }
    })
    expect(worker.script).toBe(`${server.url}/sw.js`)
    expect(worker.scope).toBe(`${server.url}/`)

    await d.goto('/people')
    await connected(d)
    await setHidden(d, true)
    await sendText(server.url, alice, dm, 'ping while hidden')
    await d.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length >= 1)
    expect((await notes(d))[0]).toEqual({
      title: expect.stringContaining(alice.username),
      body: 'ping while hidden',
    })
    // The unread total is on the tab, in the title and on the favicon.
    const tab = await unreadInTab(d)
    expect(tab.title).toMatch(/^\(\d+\) Parley$/)
    expect(tab.icon).toBe(String(titleCount(tab.title)))
    await setHidden(d, false)
  })

  it('mutes a conversation on the phone, and the desk stops notifying it at once', async () => {
    await p.goto(`/chats/${dm}`)
    await connected(p)
    const mute = p.getByRole('button', { name: 'Mute conversation' })
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('false')
    await mute.click()
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('true')
    await captureScreen(p, 'chat-muted')

    // The desk learns it over its socket: the list marks the conversation muted.
    await d.goto('/chats')
    await connected(d)
    const row = d.locator(`[data-conversation-id="${dm}"]`)
    await row.getByRole('img', { name: 'Muted' }).waitFor()

    await setHidden(d, true)
    const before = (await notes(d)).length
    await sendText(server.url, alice, dm, 'muted message')
    // The message arrived (the list shows it; notifications are decided on the same frame), and
    // no notification came with it.
    await row.getByText('muted message').waitFor()
    expect(await notes(d)).toHaveLength(before)
    // Title and icon from one reading: the phone has this conversation open and reads the message,
    // so the total may move between two readings.
    const tab = await unreadInTab(d)
    expect(tab.icon).toBe(String(titleCount(tab.title)))
    await setHidden(d, false)

    // Unmuted from the desk: the phone's header follows, and messages notify again.
    await d.goto(`/chats/${dm}`)
    await connected(d)
    const deskMute = d.getByRole('button', { name: 'Mute conversation' })
    await expect.poll(() => deskMute.getAttribute('aria-pressed')).toBe('true')
    await deskMute.click()
    await expect.poll(() => deskMute.getAttribute('aria-pressed')).toBe('false')
    await expect.poll(() => mute.getAttribute('aria-pressed')).toBe('false')
    // The open conversation is read: nothing unread is left on the tab.
    await d.waitForFunction(() => document.title === 'Parley')
    expect((await unreadInTab(d)).icon).toBe('0')
  })

  it('switches do-not-disturb on at the desk, the phone shows it, and nothing notifies until it is off', async () => {
    await d.goto('/chats')
    await connected(d)
    const dnd = d.getByRole('button', { name: 'Do not disturb' })
    await expect.poll(() => dnd.getAttribute('aria-pressed')).toBe('false')
    await dnd.click()
    await expect.poll(() => dnd.getAttribute('aria-pressed')).toBe('true')
    const phoneDnd = p.getByRole('button', { name: 'Do not disturb' })
    await expect.poll(() => phoneDnd.getAttribute('aria-pressed')).toBe('true')
    await captureScreen(d, 'do-not-disturb')

    await setHidden(d, true)
    const before = (await notes(d)).length
    await sendText(server.url, alice, dm, 'during do not disturb')
    await d.locator(`[data-conversation-id="${dm}"]`).getByText('during do not disturb').waitFor()
    expect(await notes(d)).toHaveLength(before)

    // Off again from the phone: the next direct message notifies the hidden desk tab.
    await phoneDnd.click()
    await expect.poll(() => phoneDnd.getAttribute('aria-pressed')).toBe('false')
    await expect.poll(() => dnd.getAttribute('aria-pressed')).toBe('false')
    await sendText(server.url, alice, dm, 'after do not disturb')
    await d.waitForFunction((n) => (window as unknown as { __notes: unknown[] }).__notes.length > n, before)
    expect((await notes(d)).at(-1)?.body).toBe('after do not disturb')
    await setHidden(d, false)
    expectNoConsoleErrors(desk, phone)
  })
})
