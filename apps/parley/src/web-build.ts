import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const WEB_DIR = join(repoRoot, 'apps/web')

/** What the web app's build is made from: a change to any of these makes the build stale. */
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json']

/** The newest modification time under these paths (files, recursively), 0 when none exists. */
function newestMtime(paths: string[]): number {
  let newest = 0
  for (const path of paths) {
    if (!existsSync(path)) continue
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
      }
    } else newest = Math.max(newest, stat.mtimeMs)
  }
  return newest
}

/** Why the web app must be (re)built before serving it, or undefined when its build is current. */
export function webBuildReason(webDir = WEB_DIR): 'first start' | 'sources changed' | undefined {
  const built = join(webDir, 'dist/index.html')
  if (!existsSync(built)) return 'first start'
  return newestMtime(SOURCES.map((s) => join(webDir, s))) > statSync(built).mtimeMs
    ? 'sources changed'
    : undefined
}

function npmBuild(): { ok: boolean; stderr: string } {
  const result = spawnSync('npm', ['run', 'build', '-w', '@parley/web'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  return { ok: result.status === 0, stderr: result.stderr?.toString().slice(-2000) ?? '' }
}

/**
 * Builds the web app when there is no build or its sources are newer (after `git pull`), so
 * `npm start` never serves a stale one (SPEC: `npm start` serves it at `/`).
 */
export function ensureWebBuilt(
  print: (line: string) => void,
  options: { webDir?: string; build?: () => { ok: boolean; stderr: string } } = {},
): string | undefined {
  const webDir = options.webDir ?? WEB_DIR
  const dist = join(webDir, 'dist')
  if (!existsSync(join(webDir, 'package.json')))
    return existsSync(join(dist, 'index.html')) ? dist : undefined
  const reason = webBuildReason(webDir)
  if (!reason) return dist
  print(
    `Building the web app (${reason === 'first start' ? 'first start only' : 'its sources changed'}, ~20 s)...`,
  )
  const result = (options.build ?? npmBuild)()
  if (!result.ok) {
    print(
      `The web app did not build; the API still runs. Run \`npm run build\` to see why.\n${result.stderr}`,
    )
    return existsSync(join(dist, 'index.html')) ? dist : undefined
  }
  return dist
}
