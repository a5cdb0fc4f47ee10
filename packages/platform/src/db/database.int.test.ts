import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { DataDirLockedError, openDatabase } from './database'

const dirs: string[] = []
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-db-'))
  dirs.push(dir)
  return dir
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('openDatabase (PGlite)', () => {
  it('keeps every answered commit when the process is killed with SIGKILL', async () => {
    const dir = tempDir()
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'durability.fixture.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((r) => child.once('exit', r))
    let lastAck = 0
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/ack (\d+)/g)) lastAck = Number(m[1])
        if (lastAck >= 200) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.on('exit', () => resolve())
    })
    await exited
    expect(lastAck).toBeGreaterThanOrEqual(200)
    const database = await openDatabase({ dataDir: dir })
    const { rows } = await sql<{ n: number; max: number }>`select count(*)::int as n, max(id) as max from acks`.execute(database.db)
    await database.close()
    expect(rows[0].max).toBeGreaterThanOrEqual(lastAck)
    expect(rows[0].n).toBe(rows[0].max) // gapless: no answered row lost
  }, 60_000)

  it('refuses a second process on the same data directory with a clear error', async () => {
    const dir = tempDir()
    const first = await openDatabase({ dataDir: dir })
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '-e', `import('${join(import.meta.dirname, 'database.ts')}').then(m => m.openDatabase({ dataDir: '${dir}' })).then(() => process.exit(0), (e) => { console.error(e.name + ': ' + e.message); process.exit(3) })`],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (c) => (stderr += c))
      const code = await new Promise((r) => child.on('exit', r))
      expect(code).toBe(3)
      expect(stderr).toContain(DataDirLockedError.name)
      expect(stderr).toContain('in use by process')
    } finally {
      await first.close()
    }
  }, 60_000)

  it('reopens a data directory after a clean close', async () => {
    const dir = tempDir()
    const a = await openDatabase({ dataDir: dir })
    await sql`create table t (v text)`.execute(a.db)
    await sql`insert into t values ('kept')`.execute(a.db)
    await a.close()
    const b = await openDatabase({ dataDir: dir })
    const { rows } = await sql<{ v: string }>`select v from t`.execute(b.db)
    await b.close()
    expect(rows).toEqual([{ v: 'kept' }])
  }, 60_000)
})
