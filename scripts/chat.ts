/**
 * A terminal chat client, to try Parley's realtime delivery by hand from two terminals:
 *
 *   npm run chat -- --email alice@example.com [--url http://127.0.0.1:8080] [--to 482913] [--tenant acme]
 *
 * The password comes from PARLEY_PASSWORD or a hidden prompt, never the command line (which `ps`
 * and the shell history show). It signs in, picks a conversation (the direct one with
 * `--to <person_id>`, else the most recent), prints its last messages, then every new message,
 * typing indicator and receipt as they arrive; each line typed is sent (with a client_id,
 * acknowledged once stored).
 */
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

import WebSocket from 'ws'

const USAGE =
  'Usage: npm run chat -- --email EMAIL [--url URL] [--to PERSON_ID] [--tenant SLUG] (password: PARLEY_PASSWORD or a prompt)'

/** An expected failure: printed as one line, exit 1. */
class ChatError extends Error {}

function usageError(message: string): never {
  process.stderr.write(`chat: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        email: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        to: { type: 'string' },
        tenant: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    if (process.argv.includes('--password')) {
      usageError(
        'no --password: a password on the command line shows in `ps` and the shell history. Set PARLEY_PASSWORD or type it at the prompt.',
      )
    }
    return usageError((err as Error).message.split('. ')[0])
  }
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY)
    throw new ChatError('no password: set PARLEY_PASSWORD (stdin is not a terminal, so there is no prompt).')
  process.stderr.write(question)
  return new Promise((resolve) => {
    let typed = ''
    stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false)
          stdin.off('data', onData)
          stdin.pause()
          process.stderr.write('\n')
          return resolve(typed)
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false)
          process.stderr.write('\n')
          process.exit(130)
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch
      }
    }
    stdin.on('data', onData)
    stdin.resume()
  })
}

const args = readArgs()
if (args.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
if (!args.email) usageError('--email is required.')
const base = args.url.replace(/\/$/, '')
if (!/^https?:\/\//.test(base)) usageError(`--url must start with http:// or https://, not "${base}".`)

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(base + path, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const why =
      cause?.code === 'ECONNREFUSED'
        ? 'connection refused'
        : (cause?.code ?? cause?.message ?? (err as Error).message)
    throw new ChatError(
      `cannot reach Parley at ${base} (${why}). Is it running (\`npm start\`)? Otherwise pass --url.`,
    )
  }
  const json = (await res.json().catch(() => undefined)) as
    (T & { detail?: string; title?: string }) | undefined
  if (!res.ok || json === undefined) {
    throw new ChatError(`${method} ${path}: ${res.status} ${json?.detail ?? json?.title ?? res.statusText}`)
  }
  return json
}

type Message = {
  seq: number
  conversation_id: string
  sender_name: string
  sender_id: string
  content: string
  deleted: boolean
}
type Login = { access: string; user: { id: string; username: string; person_id: string } }
type Contact = { room_id: string; person_id?: string; contact?: { person_id: string } }
const show = (m: Message) =>
  console.log(`[${m.seq}] ${m.sender_name}: ${m.deleted ? '(deleted)' : m.content}`)

async function main() {
  const password = process.env.PARLEY_PASSWORD || (await promptHidden(`Password for ${args.email}: `))
  const login = await call<Login>('POST', '/api/auth/login/', undefined, {
    email: args.email,
    password,
    ...(args.tenant ? { tenant: args.tenant } : {}),
  })
  const token: string = login.access
  const me = login.user
  let conversationId: string
  if (args.to) {
    const contacts = await call<{ results: Contact[] }>('GET', '/acac/contacts/?page_size=100', token)
    const contact = contacts.results.find((c) => (c.contact?.person_id ?? c.person_id) === args.to)
    if (!contact)
      throw new ChatError(
        `${args.to} is not one of your contacts (invite them first: POST /acac/send-invite/)`,
      )
    conversationId = contact.room_id
  } else {
    const list = await call<{ results: Array<{ id: string }> }>(
      'GET',
      '/api/chat/conversations/?page_size=1',
      token,
    )
    if (!list.results.length)
      throw new ChatError('you have no conversations yet: add a contact or create a group first.')
    conversationId = list.results[0].id
  }
  const history = await call<{ messages: Message[] }>(
    'GET',
    `/api/chat/conversations/${conversationId}/messages/?limit=20`,
    token,
  )
  console.log(
    `Signed in as ${me.username} (person_id ${me.person_id}); conversation ${conversationId}. Type a line and press Enter.`,
  )
  history.messages.forEach(show)

  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/chat/?token=${token}`)
  ws.on('error', (err) => fail(new ChatError(`the realtime connection failed (${err.message}).`)))
  ws.on('message', (data) => {
    const f = JSON.parse(String(data))
    if (f.conversation_id && f.conversation_id !== conversationId) return
    if (
      f.type === 'new_message' &&
      f.message.conversation_id === conversationId &&
      f.message.sender_id !== me.id
    )
      show(f.message)
    else if (f.type === 'message_ack') console.log(`  ✓ stored as #${f.message.seq}`)
    else if (f.type === 'typing_indicator' && f.user_id !== me.id)
      console.log(f.is_typing ? '  … typing' : '  (stopped typing)')
    else if (f.type === 'read_receipt' && f.user_id !== me.id) console.log(`  read up to #${f.up_to_seq}`)
    else if (f.type === 'error') console.log(`  ! ${f.code}: ${f.message}`)
  })
  ws.on('close', (code) => {
    console.log(`Disconnected (${code}).`)
    process.exit(code === 1000 ? 0 : 1)
  })
  ws.on('open', () => {
    const input = createInterface({ input: process.stdin })
    input.on('line', (line) => {
      if (!line.trim()) return
      ws.send(
        JSON.stringify({
          type: 'send_message',
          conversation_id: conversationId,
          content: line,
          client_id: randomUUID(),
        }),
      )
    })
    input.on('close', () => ws.close(1000))
  })
}

function fail(err: unknown): never {
  const debug = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace'
  const message =
    err instanceof ChatError ? err.message : `${(err as Error)?.message ?? err} (LOG_LEVEL=debug shows where)`
  process.stderr.write(`chat: ${message}\n${debug ? `${(err as Error)?.stack ?? ''}\n` : ''}`)
  process.exit(1)
}

main().catch(fail)
