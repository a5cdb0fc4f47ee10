import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  api,
  createScratchDatabase,
  deleteRedisPrefix,
  eventually,
  freePort,
  type SignedUpUser,
  signUp,
  uniqueRedisPrefix,
} from '@parley/platform/testing'
import sharp from 'sharp'
import { list } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { Client } from '../../../../e2e/ws-client'

/*
 * The operator's journey, through the real `parley` binary: chat on an embedded install, back it
 * up while it runs and while a sender keeps sending, restore it into an empty data directory and
 * into PostgreSQL + Redis, and check that the same people log in, see their history and go on.
 */

const BIN = new URL('../../bin/parley.js', import.meta.url).pathname
const SERVICES = ['auth', 'profile', 'contacts', 'chat']
const TIMEOUT = 300_000

/** The environment of a spawned parley: never the test runner's database, Redis or S3 unless given. */
function parleyEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, REDIS_URL: _r, S3_URL: _s, ...rest } = process.env
  return { ...rest, NODE_ENV: 'test', RATE_LIMITS: 'off', LOG_LEVEL: 'warn', ...env }
}

/** Runs a one-shot `parley` command. */
function runParley(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: parleyEnv(env) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

interface Running {
  url: string
  wsUrl: string
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts `parley serve` (every service but the web app) and waits until it says it is running. */
async function startParley(env: Record<string, string>): Promise<Running> {
  const port = await freePort()
  const child = spawn(process.execPath, [BIN, 'serve', ...SERVICES], {
    env: parleyEnv({ ...env, PORT: String(port) }),
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley did not start: ${output}`)), 180_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      if (output.includes('Parley is running')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`parley exited with ${code}: ${output}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

async function fullHistory(baseUrl: string, token: string, conversationId: string) {
  const all: Array<{
    seq: number
    client_id: string | null
    content: string
    attachments: Array<{ id: string; url: string }>
  }> = []
  for (let after = 0; ;) {
    const res = await api(baseUrl).get(
      `/api/chat/conversations/${conversationId}/messages/?after_seq=${after}&limit=100`,
      token,
    )
    expect(res.status).toBe(200)
    all.push(...res.body.messages)
    if (!res.body.has_more) return all
    after = all[all.length - 1].seq
  }
}

async function manifestOf(
  file: string,
): Promise<{ cut_off: { at: string }; files: Array<{ path: string }> }> {
  let text = ''
  await list({
    file,
    filter: (path) => path === 'manifest.json',
    onReadEntry: (entry) => entry.on('data', (d: Buffer) => (text += d.toString())),
  })
  return JSON.parse(text)
}

describe('parley backup, restore and migrate', () => {
  const work = mkdtempSync(join(tmpdir(), 'parley-backup-test-'))
  const sourceDir = join(work, 'source')
  const backupFile = join(work, 'parley.tar.gz')
  let source: Running | undefined
  const others: Running[] = []
  const cleanups: Array<() => Promise<void>> = []
  let alice: SignedUpUser
  let bob: SignedUpUser
  let roomId: string
  let png: Buffer
  let attachmentId: string
  let bobReadSeq: number
  /** Every message the sender saw acknowledged, with when its ack arrived. */
  const acked: Array<{ clientId: string; seq: number; ackAt: number }> = []
  let cutOff: number

  beforeAll(async () => {
    source = await startParley({ DATA_DIR: sourceDir })
    alice = await signUp(source.url, { password: 'alice password 1' })
    bob = await signUp(source.url, { password: 'bob password 22' })
    // Contacts by mutual invites; the direct conversation follows from contacts' events.
    await api(source.url).post('/acac/send-invite/', { person_id: bob.person_id }, alice.access)
    const mutual = await api(source.url).post(
      '/acac/send-invite/',
      { person_id: alice.person_id },
      bob.access,
    )
    expect(mutual.body.status).toBe('accepted')
    roomId = mutual.body.room_id
    await eventually(
      async () =>
        (await api(source!.url).get(`/api/chat/conversations/${roomId}/`, alice.access)).status === 200,
      30_000,
    )
    // REST, then an attachment, then WebSocket.
    expect(
      (
        await api(source.url).post(
          `/api/chat/conversations/${roomId}/messages/`,
          { content: 'hello over REST' },
          alice.access,
        )
      ).status,
    ).toBe(201)
    png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0a0' } })
      .png()
      .toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(png)]), 'green.png')
    const upload = await fetch(`${source.url}/api/chat/upload/`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${bob.access}` },
    })
    expect(upload.status).toBe(201)
    attachmentId = ((await upload.json()) as { id: string }).id
    const withFile = await api(source.url).post(
      `/api/chat/conversations/${roomId}/messages/`,
      { content: 'a picture', attachment_ids: [attachmentId] },
      bob.access,
    )
    expect(withFile.status).toBe(201)
    const ws = await Client.connect(source.wsUrl, bob.access)
    ws.send({
      type: 'send_message',
      conversation_id: roomId,
      content: 'hello over the socket',
      client_id: 'ws-1',
    })
    const ack = await ws.next((f) => f.type === 'message_ack' && f.client_id === 'ws-1')
    ws.close()
    bobReadSeq = ack.message.seq
    expect(
      (
        await api(source.url).post(
          `/api/chat/conversations/${roomId}/read/`,
          { up_to_seq: bobReadSeq },
          bob.access,
        )
      ).status,
    ).toBe(200)
  }, TIMEOUT)

  afterAll(async () => {
    for (const r of [source, ...others]) await r?.stop()
    for (const c of cleanups) await c().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }, TIMEOUT)

  it(
    'backs up the running install while a sender keeps sending, with every message acknowledged before the cut-off',
    async () => {
      const sender = await Client.connect(source!.wsUrl, alice.access)
      let sending = true
      const loop = (async () => {
        for (let i = 0; sending; i++) {
          const clientId = `load-${i}`
          sender.send({
            type: 'send_message',
            conversation_id: roomId,
            content: `load ${i}`,
            client_id: clientId,
          })
          const ack = await sender.next((f) => f.type === 'message_ack' && f.client_id === clientId, 60_000)
          acked.push({ clientId, seq: ack.message.seq, ackAt: Date.now() })
        }
      })()
      await eventually(() => acked.length >= 5, 60_000)
      const before = acked.length
      const result = await runParley(['backup', backupFile], { DATA_DIR: sourceDir })
      const during = acked.length - before
      await eventually(() => acked.length >= before + during + 3, 60_000)
      sending = false
      await loop
      sender.close()

      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        /^Backup written to .*parley\.tar\.gz .*: 2 users, 1 conversation, \d+ messages, 1 attachment/,
      )
      expect(result.stdout).toContain('taken by the running server')
      const manifest = await manifestOf(backupFile)
      cutOff = Date.parse(manifest.cut_off.at)
      // The snapshot fell inside the load: messages were acknowledged on both sides of it.
      expect(acked.some((a) => a.ackAt < cutOff)).toBe(true)
      expect(acked.some((a) => a.ackAt > cutOff)).toBe(true)
      expect(manifest.files.map((f) => f.path)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^keys\/.+\.json$/),
          `files/chat/attachments/${attachmentId}`,
        ]),
      )
      // A second backup to the same file is refused: backups are never overwritten.
      const again = await runParley(['backup', backupFile], { DATA_DIR: sourceDir })
      expect(again.code).toBe(1)
      expect(again.stderr.trim().split('\n')).toHaveLength(1)
    },
    TIMEOUT,
  )

  /** What a restored install must show: logins, the history up to the cut-off, receipts, the file, and chat going on. */
  async function expectRestored(target: Running) {
    // The same passwords work, and a token signed before the backup still does (same signing key).
    for (const [user, password] of [
      [alice, 'alice password 1'],
      [bob, 'bob password 22'],
    ] as const) {
      const login = await api(target.url).post('/api/auth/login/', { email: user.email, password })
      expect(login.status).toBe(200)
    }
    expect((await api(target.url).get(`/api/chat/conversations/${roomId}/`, alice.access)).status).toBe(200)
    const bobLogin = await api(target.url).post('/api/auth/login/', {
      email: bob.email,
      password: 'bob password 22',
    })
    const bobToken = bobLogin.body.access as string

    const history = await fullHistory(target.url, bobToken, roomId)
    const seqs = history.map((m) => m.seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    expect(history.map((m) => m.content)).toEqual(
      expect.arrayContaining(['hello over REST', 'a picture', 'hello over the socket']),
    )
    const restored = new Set(history.map((m) => m.client_id))
    const missing = acked.filter((a) => a.ackAt < cutOff && !restored.has(a.clientId))
    expect(missing).toEqual([])
    // Nothing from after the snapshot either: the restored messages are a prefix of what was sent.
    const lastRestored = seqs[seqs.length - 1]
    expect(acked.filter((a) => a.seq <= lastRestored).every((a) => restored.has(a.clientId))).toBe(true)

    const members = await api(target.url).get(`/api/chat/conversations/${roomId}/participants/`, bobToken)
    const receipt = (members.body.results as Array<{ user_id: string; last_read_seq: number }>).find(
      (p) => p.user_id === bob.id,
    )
    expect(receipt?.last_read_seq).toBe(bobReadSeq)
    const picture = history.find((m) => m.content === 'a picture')!
    const download = await fetch(`${target.url}/api/chat/attachments/${picture.attachments[0].id}/`, {
      headers: { authorization: `Bearer ${bobToken}` },
    })
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true)

    // Chat goes on: the next message takes the next seq, and the other side gets it live.
    const a = await Client.connect(target.wsUrl, alice.access)
    const b = await Client.connect(target.wsUrl, bobToken)
    a.send({
      type: 'send_message',
      conversation_id: roomId,
      content: 'after the restore',
      client_id: 'after-restore',
    })
    const ack = await a.next((f) => f.type === 'message_ack' && f.client_id === 'after-restore', 30_000)
    expect(ack.message.seq).toBe(lastRestored + 1)
    const live = await b.next(
      (f) => f.type === 'new_message' && f.message.client_id === 'after-restore',
      30_000,
    )
    expect(live.message.seq).toBe(lastRestored + 1)
    a.close()
    b.close()
  }

  it(
    'restores into an empty data directory, and refuses one that is not empty',
    async () => {
      const restoredDir = join(work, 'restored')
      const result = await runParley(['restore', backupFile], { DATA_DIR: restoredDir })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const refused = await runParley(['restore', backupFile], { DATA_DIR: restoredDir })
      expect(refused.code).toBe(1)
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining('is not empty')])
      const restored = await startParley({ DATA_DIR: restoredDir })
      others.push(restored)
      await expectRestored(restored)
    },
    TIMEOUT,
  )

  it(
    'refuses a file that is not a backup, in one line',
    async () => {
      const bogus = join(work, 'bogus.tar.gz')
      writeFileSync(bogus, 'not an archive')
      const result = await runParley(['restore', bogus], { DATA_DIR: join(work, 'bogus-target') })
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(readFileSync(backupFile).length).toBeGreaterThan(0)
    },
    TIMEOUT,
  )

  // PostgreSQL-only, as every test that needs a shared server: CI sets DATABASE_URL (and REDIS_URL).
  it.runIf(process.env.DATABASE_URL)(
    'restores into an empty PostgreSQL database (with Redis), and refuses one that is not empty',
    async () => {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL!, 'parley_restore')
      cleanups.push(scratch.drop)
      const dataDir = join(work, 'pg-node')
      const result = await runParley(['restore', backupFile, '--database-url', scratch.url], {
        DATA_DIR: dataDir,
      })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const refused = await runParley(['restore', backupFile, '--database-url', scratch.url], {
        DATA_DIR: join(work, 'pg-node-2'),
      })
      expect(refused.code).toBe(1)
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringContaining('not empty')])

      const redis = process.env.REDIS_URL
        ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix() }
        : ({} as Record<string, string>)
      if (redis.REDIS_URL) cleanups.push(() => deleteRedisPrefix(redis.REDIS_URL, redis.REDIS_PREFIX))
      const restored = await startParley({ DATA_DIR: dataDir, DATABASE_URL: scratch.url, ...redis })
      others.push(restored)
      await expectRestored(restored)
    },
    TIMEOUT,
  )

  it.runIf(process.env.DATABASE_URL)(
    'migrates the embedded install to PostgreSQL once it is stopped, with everything sent after the backup',
    async () => {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL!, 'parley_migrate')
      cleanups.push(scratch.drop)
      const whileRunning = await runParley(['migrate', '--to', scratch.url], { DATA_DIR: sourceDir })
      expect(whileRunning.code).toBe(1)
      expect(whileRunning.stderr.trim().split('\n')).toEqual([
        expect.stringContaining('Stop it before migrating'),
      ])
      await source!.stop()
      const result = await runParley(['migrate', '--to', scratch.url], { DATA_DIR: sourceDir })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const moved = await startParley({ DATA_DIR: sourceDir, DATABASE_URL: scratch.url })
      others.push(moved)
      const login = await api(moved.url).post('/api/auth/login/', {
        email: alice.email,
        password: 'alice password 1',
      })
      expect(login.status).toBe(200)
      const history = await fullHistory(moved.url, login.body.access, roomId)
      const ids = new Set(history.map((m) => m.client_id))
      expect(acked.every((a) => ids.has(a.clientId))).toBe(true)
      const download = await fetch(`${moved.url}/api/chat/attachments/${attachmentId}/`, {
        headers: { authorization: `Bearer ${login.body.access}` },
      })
      expect(download.status).toBe(200)
    },
    TIMEOUT,
  )
})
