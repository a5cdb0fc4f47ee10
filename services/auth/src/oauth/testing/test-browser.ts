/**
 * A browser for sign-in tests: keeps cookies per host, follows redirects one by one (so a test
 * can look at or tamper with each hop), and sends the public URL's origin to the test server, as
 * a reverse proxy in front of Parley would.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>()

  constructor(
    private readonly publicUrl: string,
    private readonly serverUrl: string,
  ) {}

  private target(url: URL): URL {
    return url.origin === new URL(this.publicUrl).origin
      ? new URL(url.pathname + url.search, this.serverUrl)
      : url
  }

  /** The cookies this browser holds for the server that `url` reaches. */
  cookieHeader(url: URL): string {
    const jar = this.jars.get(this.target(url).host)
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : ''
  }

  forgetCookies() {
    this.jars.clear()
  }

  async request(url: URL, init: { method?: string; body?: string; accept?: string } = {}): Promise<Response> {
    const target = this.target(url)
    const res = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        accept: init.accept ?? 'text/html',
        cookie: this.cookieHeader(url),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body,
    })
    const jar = this.jars.get(target.host) ?? new Map<string, string>()
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const [name, ...value] = pair.trim().split('=')
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      )
      if (expired || value.join('=') === '') jar.delete(name)
      else jar.set(name, value.join('='))
    }
    this.jars.set(target.host, jar)
    return res
  }

  /**
   * Follows redirects from `start` until one leads back to the web app (a path outside /api/),
   * which is returned without being fetched. `onRedirect` may replace the next hop.
   */
  async follow(start: URL, onRedirect?: (next: URL) => Promise<URL | void> | URL | void): Promise<URL> {
    let url = start
    for (let hop = 0; hop < 20; hop++) {
      const res = await this.request(url)
      await res.arrayBuffer()
      const location = res.headers.get('location')
      if (res.status < 300 || res.status >= 400 || !location)
        throw new Error(`expected a redirect from ${url.pathname}, got ${res.status}`)
      let next = new URL(location, url)
      next = (await onRedirect?.(next)) ?? next
      if (next.origin === new URL(this.publicUrl).origin && !next.pathname.startsWith('/api/')) return next
      url = next
    }
    throw new Error('too many redirects')
  }
}
