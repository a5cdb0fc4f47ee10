import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const WEB_DIST = join(repoRoot, 'apps/web/dist')

/** Builds the web app once, on the first start after a fresh install (SPEC: `npm start` serves it at `/`). */
export function ensureWebBuilt(print: (line: string) => void): string | undefined {
  if (existsSync(join(WEB_DIST, 'index.html'))) return WEB_DIST
  if (!existsSync(join(repoRoot, 'apps/web/package.json'))) return undefined
  print('Building the web app (first start only, ~20 s)...')
  const result = spawnSync('npm', ['run', 'build', '-w', '@parley/web'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  if (result.status !== 0) {
    print(
      `The web app did not build; the API still runs. Run \`npm run build\` to see why.\n${result.stderr?.toString().slice(-2000) ?? ''}`,
    )
    return undefined
  }
  return WEB_DIST
}
