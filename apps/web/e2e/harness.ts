/**
 * Browser-test harness: the real server (every service, in-process, on a free port, its own
 * database) serving the built web app, one headless Chromium, pages that record console errors,
 * screenshots at desktop and phone width, and an axe-core check.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import AxeBuilder from '@axe-core/playwright'
import { createGatewayService } from '@parley/gateway'
import { startTestServer, type TestServer } from '@parley/platform/testing'
import {
  type Browser,
  type BrowserContext,
  chromium,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core'
import { afterEach, beforeEach, expect } from 'vitest'

export const CHROMIUM = '/usr/bin/chromium'
const here = dirname(fileURLToPath(import.meta.url))
export const WEB_ROOT = resolve(here, '..')
export const WEB_DIST = join(WEB_ROOT, 'dist')
/** Screenshots land here (git-ignored; CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = resolve(WEB_ROOT, '../../artifacts/screenshots')

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Builds apps/web when dist is missing or older than the sources (so the tests run what is checked in). */
export function ensureWebBuild(): void {
  const index = join(WEB_DIST, 'index.html')
  const sourcesChanged = () =>
    Math.max(newestMtime(join(WEB_ROOT, 'src')), statSync(join(WEB_ROOT, 'index.html')).mtimeMs) >
    statSync(index).mtimeMs
  if (existsSync(index) && !sourcesChanged()) return
  execFileSync('npm', ['run', 'build', '-w', '@parley/web'], {
    cwd: resolve(WEB_ROOT, '../..'),
    stdio: 'inherit',
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build: test
    // the production bundle that ships (and whose chunk sizes the features test checks).
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (!existsSync(index))
    throw new Error('npm run build -w @parley/web did not produce apps/web/dist/index.html')
}

/** The real app with all five services, rate limits off, the gateway serving the built client. */
export async function startServer(): Promise<TestServer> {
  ensureWebBuild()
  const [{ authService }, { profileService }, { contactsService }, { chatService }] = await Promise.all([
    import('@parley/auth'),
    import('@parley/profile'),
    import('@parley/contacts'),
    import('@parley/chat'),
  ])
  const server = await startTestServer(
    [authService, profileService, contactsService, chatService, createGatewayService({ webDist: WEB_DIST })],
    {
      RATE_LIMITS: 'off',
    },
  )
  return server
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (CI does this in .ci/run).`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** An HTTP error the test provokes on purpose: the browser logs it, and it is allowed by exact path and status. */
export interface ExpectedHttpError {
  method?: string
  path: string | RegExp
  status: number
}

export interface TestPage {
  name: string
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions, minus the expected HTTP errors. */
  errors: string[]
  /** Declare an HTTP error this test provokes (e.g. a 400 for a validation check). */
  expectHttpError(e: ExpectedHttpError): void
}

/**
 * A browser context of its own (one person) with a page that records console errors. Chromium
 * reports a failed fetch as a console error "Failed to load resource: … status of 400" whose
 * location is the URL; such an error is allowed only when the same method, path and status was
 * seen as a response and declared with expectHttpError.
 */
export async function openPage(browser: Browser, baseUrl: string, name: string): Promise<TestPage> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: baseUrl })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors: string[] = []
  const expected: ExpectedHttpError[] = []
  const failedResponses: Array<{ method: string; path: string; status: number }> = []
  const matches = (e: ExpectedHttpError, r: { method: string; path: string; status: number }) =>
    e.status === r.status &&
    (!e.method || e.method === r.method) &&
    (typeof e.path === 'string' ? e.path === r.path : e.path.test(r.path))
  page.on('response', (res) => {
    if (res.status() < 400) return
    failedResponses.push({
      method: res.request().method(),
      path: new URL(res.url()).pathname,
      status: res.status(),
    })
  })
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return
    // @NOTE Test contexts are incognito, where Chromium has no Push API and says so on the console
    // (on purpose: there is no way to feature-detect it). The app falls back to in-page notifications.
    if (msg.text().startsWith('Chrome currently does not support the Push API in incognito mode')) return
    const status = /status of (\d{3})/.exec(msg.text())?.[1]
    const url = msg.location().url
    if (status && url) {
      const path = new URL(url, baseUrl).pathname
      const r = failedResponses.find((f) => f.path === path && f.status === Number(status))
      if (r && expected.some((e) => matches(e, r))) return
    }
    errors.push(`[${name}] console.error: ${msg.text()} ${url ?? ''}`.trim())
  })
  page.on('pageerror', (err) => errors.push(`[${name}] uncaught: ${err.message}`))
  return { name, context, page, errors, expectHttpError: (e) => expected.push(e) }
}

export function expectNoConsoleErrors(...pages: TestPage[]): void {
  expect(pages.flatMap((p) => p.errors)).toEqual([])
}

/** Screenshot at desktop and phone width, with an axe-core check at each: no serious or critical violations. */
export async function captureScreen(page: Page, screen: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const original = page.viewportSize() ?? DESKTOP
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size)
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${screen}-${label}.png`), fullPage: true })
    const result = await new AxeBuilder({ page }).analyze()
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${screen} (${label}) ${v.impact} ${v.id}: ${v.help} — ${v.nodes
            .map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`)
            .slice(0, 5)
            .join(' | ')}`,
      )
    expect(bad, `axe-core on ${screen} at ${label} width`).toEqual([])
  }
  await page.setViewportSize(original)
}

export const PASSWORD = 'correct horse battery'

let n = 0
/** A unique, readable person for one run. */
export function person(name: string) {
  n++
  const tag = `${Date.now().toString(36)}${n}`
  return { name, username: `${name}${tag}`, email: `${name}.${tag}@example.com`, password: PASSWORD }
}

export async function signUpInUi(page: Page, p: ReturnType<typeof person>): Promise<void> {
  await page.goto('/sign-up')
  await page.getByLabel('Email').fill(p.email)
  await page.getByLabel('Username').fill(p.username)
  await page.getByLabel('Password').fill(p.password)
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.waitForURL('**/chats')
  await connected(page)
}

export async function signInInUi(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-in')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL('**/chats')
  await connected(page)
}

/** The shell's connection status reads Connected. */
export async function connected(page: Page): Promise<void> {
  await page
    .getByTestId('connection-status')
    .and(page.getByRole('status'))
    .filter({ hasText: 'Connected' })
    .waitFor()
}

/** The texts of the confirmed messages in the open conversation, in display order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return page.getByRole('log', { name: 'Messages' }).locator('li[data-seq]').allInnerTexts()
}

/**
 * The steps of a describe block are one journey: once a step fails, the later ones fail at once
 * with a pointer to it instead of each waiting for their own timeouts.
 */
export function journey(): void {
  let failed: string | null = null
  beforeEach(() => {
    if (failed) throw new Error(`an earlier step of this journey failed: ${failed}`)
  })
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && !failed) failed = ctx.task.name
  })
}

/**
 * The error shown beside a field: the field is aria-invalid and described by a role=alert
 * element in its own field wrapper. Returns that message.
 */
export async function errorBeside(scope: Page | Locator, label: string): Promise<string> {
  const field = scope.getByLabel(label, { exact: true })
  await field.and(scope.locator('[aria-invalid="true"]')).waitFor()
  return field.evaluate((el) => {
    const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)
    const alert = ids
      .map((id) => document.getElementById(id))
      .find((n) => n?.getAttribute('role') === 'alert')
    if (!alert) throw new Error(`${el.id} is invalid but not described by an alert`)
    if (alert.closest('.field') !== el.closest('.field')) throw new Error('the alert is not beside its field')
    return alert.textContent ?? ''
  })
}
