/**
 * Accounts in the browser against the real server: validation errors beside the right fields
 * (sign-up, sign-in, profile, address, card), a forgotten password reset through the dev
 * mailbox page, and address edits that the profile service accepts.
 */
import type { TestServer } from '@parley/platform/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  captureScreen,
  errorBeside,
  expectNoConsoleErrors,
  journey,
  launchBrowser,
  openPage,
  person,
  signInInUi,
  signUpInUi,
  startServer,
  type TestPage,
} from './harness'

describe('accounts in the browser', () => {
  let server: TestServer
  let browser: Browser
  let carol: TestPage
  let c: Page
  const C = person('carol')
  const NEW_PASSWORD = 'brand new horse staple'
  journey()

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    carol = await openPage(browser, server.url, 'carol')
    c = carol.page
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('shows sign-up errors beside the fields they are about', async () => {
    await c.goto('/sign-up')
    // Required fields are checked before anything is sent.
    await c.getByRole('button', { name: 'Sign up' }).click()
    expect(await errorBeside(c, 'Email')).toBe('Enter your email')
    expect(await errorBeside(c, 'Username')).toBe('Choose a username')
    expect(await errorBeside(c, 'Password')).toBe('Choose a password')

    // The server's verdict on a weak password lands beside Password, and only there.
    carol.expectHttpError({ method: 'POST', path: '/api/auth/register/', status: 400 })
    await c.getByLabel('Email').fill(C.email)
    await c.getByLabel('Username').fill(C.username)
    await c.getByLabel('Password').fill('short')
    await c.getByRole('button', { name: 'Sign up' }).click()
    expect(await errorBeside(c, 'Password')).toMatch(/\S/)
    expect(await c.getByLabel('Email').getAttribute('aria-invalid')).toBeNull()
    expect(await c.getByLabel('Username').getAttribute('aria-invalid')).toBeNull()

    await signUpInUi(c, C)
    await c.getByRole('button', { name: 'Sign out' }).click()
    await c.waitForURL('**/sign-in')
  })

  it('shows a taken email beside Email', async () => {
    carol.expectHttpError({ method: 'POST', path: '/api/auth/register/', status: 409 })
    await c.goto('/sign-up')
    await c.getByLabel('Email').fill(C.email)
    await c.getByLabel('Username').fill(`${C.username}x`)
    await c.getByLabel('Password').fill(C.password)
    await c.getByRole('button', { name: 'Sign up' }).click()
    expect(await errorBeside(c, 'Email')).toMatch(/\S/)
    expect(await c.getByLabel('Password').getAttribute('aria-invalid')).toBeNull()
  })

  it('refuses a wrong password on the sign-in page', async () => {
    carol.expectHttpError({ method: 'POST', path: '/api/auth/login/', status: 401 })
    await c.goto('/sign-in')
    await c.getByRole('button', { name: 'Sign in' }).waitFor()
    await captureScreen(c, 'sign-in')
    await c.getByLabel('Email').fill(C.email)
    await c.getByLabel('Password').fill('not the password')
    await c.getByRole('button', { name: 'Sign in' }).click()
    await c.getByRole('alert').filter({ hasText: /\S/ }).first().waitFor()
    expect(c.url()).toContain('/sign-in')
  })

  it('resets a forgotten password through the dev mailbox page', async () => {
    await c.goto('/forgot-password')
    await c.getByLabel('Email').fill(C.email)
    await c.getByRole('button', { name: 'Send reset link' }).click()
    await c.getByRole('link', { name: 'Dev mailbox' }).click()
    const link = c
      .getByRole('list', { name: 'Mails' })
      .getByRole('link', { name: /\/reset-password\?token=/ })
    await link.first().waitFor()
    await captureScreen(c, 'mailbox')
    expect(await link.count()).toBe(1)
    await link.click()
    await c.waitForURL('**/reset-password?token=*')
    await c.getByLabel('New password').fill(NEW_PASSWORD)
    await c.getByLabel('Confirm password').fill(NEW_PASSWORD)
    await c.getByRole('button', { name: 'Reset password' }).click()
    await c.getByText('Your password was changed').waitFor()

    // The old password no longer works; the new one does.
    carol.expectHttpError({ method: 'POST', path: '/api/auth/login/', status: 401 })
    await c.goto('/sign-in')
    await c.getByLabel('Email').fill(C.email)
    await c.getByLabel('Password').fill(C.password)
    await c.getByRole('button', { name: 'Sign in' }).click()
    await c.getByRole('alert').filter({ hasText: /\S/ }).first().waitFor()
    await signInInUi(c, C.email, NEW_PASSWORD)
  })

  it('shows profile, address and card errors beside their fields, and saves a valid profile', async () => {
    await c.getByRole('link', { name: 'Profile' }).click()
    await c.getByRole('button', { name: 'Save profile' }).waitFor()
    await captureScreen(c, 'profile')

    carol.expectHttpError({ method: 'PATCH', path: '/profiles/profile/', status: 400 })
    await c.getByLabel('Primary phone').fill('123')
    await c.getByRole('button', { name: 'Save profile' }).click()
    expect(await errorBeside(c, 'Primary phone')).toMatch(/E\.164/)
    await c.getByLabel('Primary phone').fill('+14155550123')
    await c.getByLabel('Display name').fill('Carol C.')
    await c.getByRole('button', { name: 'Save profile' }).click()
    await c.getByText('Profile saved.').waitFor()

    await c.getByRole('button', { name: 'Add card' }).click()
    const card = c.getByRole('form', { name: 'New card' })
    carol.expectHttpError({ method: 'POST', path: '/profiles/cards/', status: 400 })
    await card.getByLabel('Card number').fill('4111 1111 1111 1112')
    await card.getByLabel('Cardholder name').fill('Carol C')
    await card.getByLabel('Expiry month').fill('12')
    await card.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 3))
    await card.getByRole('button', { name: 'Save card' }).click()
    expect(await errorBeside(card, 'Card number')).toMatch(/\S/)
    await card.getByLabel('Card number').fill('4111 1111 1111 1111')
    await card.getByRole('button', { name: 'Save card' }).click()
    await c.getByRole('list', { name: 'Card list' }).getByText(/1111/).waitFor()
  })

  it('adds an address, shows a bad country beside Country, and edits the address', async () => {
    await c.getByRole('button', { name: 'Add address' }).click()
    const form = c.getByRole('form', { name: 'New address' })
    carol.expectHttpError({ method: 'POST', path: '/profiles/addresses/', status: 400 })
    await form.getByLabel('Address type').selectOption('home')
    await form.getByLabel('Address line 1').fill('1 Main Street')
    await form.getByLabel('City').fill('Springfield')
    await form.getByLabel('Country').fill('ZZ')
    await form.getByRole('button', { name: 'Save address' }).click()
    expect(await errorBeside(form, 'Country')).toMatch(/country code/i)
    await form.getByLabel('Country').fill('us')
    await form.getByRole('button', { name: 'Save address' }).click()
    const list = c.getByRole('list', { name: 'Address list' })
    await list.getByText('1 Main Street, Springfield, US').waitFor()

    // Editing sends only what changed (no id or timestamps, no null city): the service accepts it.
    await list.getByRole('button', { name: 'Edit home address' }).click()
    const edit = c.getByRole('form', { name: 'Edit address' })
    await edit.getByLabel('City').fill('Shelbyville')
    await edit.getByLabel('ZIP code').fill('12345')
    await edit.getByRole('button', { name: 'Save address' }).click()
    await list.getByText('1 Main Street, Shelbyville, 12345, US').waitFor()
    expectNoConsoleErrors(carol)
  })
})
