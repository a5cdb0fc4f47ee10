/**
 * Checks the import boundaries of docs/ARCHITECTURE.md: a service imports only packages/* and
 * its own files; an app imports a service only through its package entry (`@parley/chat`, never
 * `@parley/chat/src/...` or a relative path into services/; a subpath the service's package.json
 * declares in `exports`, such as `@parley/auth/keys`, is an entry too); a package imports no service.
 * Test support files of a service (`*.test.ts`, `testing.ts`, `testing/`) may mount another
 * service through its package entry, as integration tests do, but never reach into its files.
 *
 * Usage: `node --import tsx scripts/check-boundaries.ts` (exits 1 and lists the violations).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** The workspace folders that hold services, by package name (`@parley/chat` → `chat`). */
export const SERVICES = ['auth', 'chat', 'contacts', 'gateway', 'profile'] as const

interface Area {
  kind: 'service' | 'app' | 'package' | 'other'
  name: string
}

function areaOf(file: string): Area {
  const [top, name] = file.split('/')
  if (top === 'services' && name) return { kind: 'service', name }
  if (top === 'apps' && name) return { kind: 'app', name }
  if (top === 'packages' && name) return { kind: 'package', name }
  return { kind: 'other', name: '' }
}

function isTestSupport(file: string): boolean {
  return /\.(test|fixture)\.tsx?$/.test(file) || /(^|\/)testing(\.tsx?$|\/)/.test(file)
}

/** Import specifiers of a TypeScript source: static imports, re-exports and dynamic imports. */
export function importsOf(source: string): string[] {
  const found: string[] = []
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(?\s*['"]([^'"]+)['"]/gm
  for (const m of source.matchAll(re)) found.push(m[1] ?? m[2])
  return found
}

const exportsCache = new Map<string, Set<string>>()

/** The subpaths a service's package.json declares in `exports` (its public entries, e.g. `./keys`). */
function declaredExports(service: string): Set<string> {
  let found = exportsCache.get(service)
  if (!found) {
    const file = path.join(import.meta.dirname, '..', 'services', service, 'package.json')
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { exports?: Record<string, unknown> | string }
    found = new Set(typeof manifest.exports === 'object' ? Object.keys(manifest.exports) : [])
    exportsCache.set(service, found)
  }
  return found
}

/** Why `specifier`, imported by `file` (a repo-relative path), crosses a boundary; null when it does not. */
export function boundaryViolation(file: string, specifier: string): string | null {
  const from = areaOf(file)
  if (from.kind === 'other') return null
  const pkg = /^@parley\/([^/]+)(\/.*)?$/.exec(specifier)
  if (pkg) {
    const [, name, subpath] = pkg
    if (!(SERVICES as readonly string[]).includes(name)) return null
    if (from.kind === 'service' && name === from.name)
      return `imports its own package entry ${specifier}; use a relative path`
    if (subpath && !declaredExports(name).has(`.${subpath}`))
      return `imports ${specifier}: another service is reachable only through its package entry @parley/${name}`
    if (from.kind === 'package') return `imports the service ${specifier}: packages never depend on services`
    if (from.kind === 'service' && !isTestSupport(file))
      return `imports the service ${specifier}: services share only packages/* and cooperate through JWTs and bus events`
    return null
  }
  if (!specifier.startsWith('.')) return null
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
  const to = areaOf(target)
  if (to.kind === from.kind && to.name === from.name) return null
  // @NOTE Repository tooling (deploy/, scripts/) is fair game for tests, never for shipped code.
  if (to.kind === 'other' && isTestSupport(file)) return null
  return `imports ${specifier} (${target}) across the ${from.kind} boundary; use a package entry (@parley/...)`
}

function trackedSources(root: string): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  return out.split('\n').filter((f) => f && /^(services|apps|packages)\//.test(f))
}

/** Every boundary violation under services/, apps/ and packages/ of the repository at `root`. */
export function checkRepository(root: string): string[] {
  const problems: string[] = []
  for (const file of trackedSources(root)) {
    for (const specifier of importsOf(readFileSync(path.join(root, file), 'utf8'))) {
      const why = boundaryViolation(file, specifier)
      if (why) problems.push(`${file}: ${why}`)
    }
  }
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkRepository(path.resolve(import.meta.dirname, '..'))
  for (const p of problems) console.error(p)
  if (problems.length) {
    console.error(`${problems.length} import boundary violation(s)`)
    process.exit(1)
  }
  console.log('import boundaries: ok')
}
