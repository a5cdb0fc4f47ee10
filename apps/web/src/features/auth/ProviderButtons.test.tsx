// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { oauthErrorMessage, providerStartUrl } from './oauth'
import { ProviderButtons } from './ProviderButtons'

const page = (results: unknown[]) =>
  new Response(JSON.stringify({ count: results.length, next: null, previous: null, results }), {
    headers: { 'Content-Type': 'application/json' },
  })

function renderButtons(props: { tenant?: string; returnTo?: string }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <ProviderButtons {...props} />
    </QueryClientProvider>,
  )
}

describe('ProviderButtons', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('shows one "Continue with" link per configured provider, carrying the workspace', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL) =>
      page([
        { name: 'google', display_name: 'Google', type: 'oidc', start_url: '/api/auth/oauth/google/start/' },
        {
          name: 'github',
          display_name: 'GitHub',
          type: 'github',
          start_url: '/api/auth/oauth/github/start/',
        },
      ]),
    )
    vi.stubGlobal('fetch', fetch)
    renderButtons({ tenant: ' acme ', returnTo: '/people' })
    const google = await screen.findByRole('link', { name: 'Continue with Google' })
    expect(google.getAttribute('href')).toBe('/api/auth/oauth/google/start/?tenant=acme&return_to=%2Fpeople')
    expect(screen.getByRole('link', { name: 'Continue with GitHub' })).toBeTruthy()
    expect(String(fetch.mock.calls[0][0])).toBe('/api/auth/oauth/providers/')
  })

  it('shows nothing when no provider is configured', async () => {
    const fetch = vi.fn(async () => page([]))
    vi.stubGlobal('fetch', fetch)
    const { container } = renderButtons({})
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled())
    expect(container.querySelector('a')).toBeNull()
  })
})

describe('oauth helpers', () => {
  it('never puts a return path that leaves the site into the start URL', () => {
    const p = { name: 'x', display_name: 'X', type: 'oidc' as const, start_url: '/api/auth/oauth/x/start/' }
    expect(providerStartUrl(p, undefined, '//evil.example')).toBe('/api/auth/oauth/x/start/')
  })

  it('explains every error code the callback sends back', () => {
    expect(oauthErrorMessage('account_exists')).toMatch(/already exists/)
    expect(oauthErrorMessage('something_new')).toMatch(/did not work/)
    expect(oauthErrorMessage(null)).toBeNull()
  })
})
