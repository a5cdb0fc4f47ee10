import type { RouteOptions } from 'fastify'

import type { App } from './app'

interface KnownRoute {
  pattern: RegExp
  methods: Set<string>
}

/** `/a/:id/b/*` → /^\/a\/[^/]+\/b\/.*$/ (a parameter's own regexp is treated as "one segment"). */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => {
      if (part === '*') return '.*'
      if (part.startsWith(':')) return '[^/]+'
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${source}$`)
}

/**
 * Remembers every route's path and methods so that the not-found handler can tell "no such path"
 * (404) from "no such method on this path" (405 with `Allow`). Catch-all routes (`/*`, `*`) are
 * left out: they would make every unknown path look known. The lookup runs only on 404s.
 */
export function trackRouteMethods(app: App) {
  const routes = new Map<string, KnownRoute>()
  app.addHook('onRoute', (route: RouteOptions) => {
    const url = route.url
    if (!url || url === '*' || url === '/*') return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    let known = routes.get(url)
    if (!known) routes.set(url, (known = { pattern: patternOf(url), methods: new Set() }))
    for (const m of methods) known.methods.add(m.toUpperCase())
  })
  return {
    /** The methods a concrete path answers, or an empty list when no route has that path. */
    allowedMethods(path: string): string[] {
      const allowed = new Set<string>()
      for (const known of routes.values()) {
        if (known.pattern.test(path)) for (const m of known.methods) allowed.add(m)
      }
      if (allowed.has('GET')) allowed.add('HEAD')
      return [...allowed].sort()
    },
  }
}
