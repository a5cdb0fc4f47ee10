import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { ensureWebBuilt } from './web-build'

describe(ensureWebBuilt.name, () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  /** A web app's layout with sources and a build, dated `age` seconds ago, and a counting fake build. */
  function webApp() {
    const dir = mkdtempSync(join(tmpdir(), 'web-build-'))
    dirs.push(dir)
    mkdirSync(join(dir, 'src/features/chat'), { recursive: true })
    mkdirSync(join(dir, 'dist'))
    const files = [
      'package.json',
      'index.html',
      'vite.config.ts',
      'src/main.tsx',
      'src/features/chat/Chat.tsx',
      'dist/index.html',
    ]
    for (const f of files) writeFileSync(join(dir, f), '')
    const at = (file: string, secondsAgo: number) => {
      const t = new Date(Date.now() - secondsAgo * 1000)
      utimesSync(join(dir, file), t, t)
    }
    for (const f of files) at(f, 100)
    at('dist/index.html', 50)
    const builds: number[] = []
    const build = () => {
      builds.push(Date.now())
      writeFileSync(join(dir, 'dist/index.html'), 'built')
      return { ok: true, stderr: '' }
    }
    return { dir, at, builds, build }
  }

  it('serves the existing build when no source is newer', () => {
    const app = webApp()
    const lines: string[] = []
    expect(ensureWebBuilt((l) => lines.push(l), { webDir: app.dir, build: app.build })).toBe(
      join(app.dir, 'dist'),
    )
    expect(app.builds).toHaveLength(0)
    expect(lines).toEqual([])
  })

  it.each(['src/features/chat/Chat.tsx', 'index.html', 'vite.config.ts', 'package.json'])(
    'rebuilds, saying so, when %s is newer than the build (after a git pull)',
    (file) => {
      const app = webApp()
      app.at(file, 10)
      const lines: string[] = []
      expect(ensureWebBuilt((l) => lines.push(l), { webDir: app.dir, build: app.build })).toBe(
        join(app.dir, 'dist'),
      )
      expect(app.builds).toHaveLength(1)
      expect(lines).toEqual(['Building the web app (its sources changed, ~20 s)...'])
      // Built now: the next start serves it as is.
      expect(ensureWebBuilt(() => {}, { webDir: app.dir, build: app.build })).toBe(join(app.dir, 'dist'))
      expect(app.builds).toHaveLength(1)
    },
  )

  it('builds on the first start, and keeps serving the old build when a rebuild fails', () => {
    const app = webApp()
    rmSync(join(app.dir, 'dist/index.html'))
    const lines: string[] = []
    ensureWebBuilt((l) => lines.push(l), { webDir: app.dir, build: app.build })
    expect(lines).toEqual(['Building the web app (first start only, ~20 s)...'])

    app.at('src/main.tsx', -10)
    const failing = () => ({ ok: false, stderr: 'src/main.tsx: error' })
    const after: string[] = []
    expect(ensureWebBuilt((l) => after.push(l), { webDir: app.dir, build: failing })).toBe(
      join(app.dir, 'dist'),
    )
    expect(after[1]).toMatch(/did not build; the API still runs/)
  })
})
