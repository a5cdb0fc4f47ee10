/**
 * A terminal chat client, to try Parley's realtime delivery by hand from two terminals:
 *
 *   node --import tsx scripts/chat.ts --email alice@example.com --password '...' [--url http://127.0.0.1:8080] [--to 482913]
 *
 * It signs in, picks a conversation (the direct one with `--to <person_id>`, else the most recent),
 * prints its last messages, then prints every new message, typing indicator and receipt as they
 * arrive; each line typed is sent (with a client_id, acknowledged once stored).
 */
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import WebSocket from 'ws'

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const base = (option('url') ?? 'http://127.0.0.1:8080').replace(/\/$/, '')
const email = option('email')
const password = option('password')
if (!email || !password) {
  console.error('Usage: node --import tsx scripts/chat.ts --email EMAIL --password PASSWORD [--url URL] [--to PERSON_ID] [--tenant SLUG]')
  process.exit(2)
}

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = (await res.json().catch(() => undefined)) as (T & { detail?: string; title?: string }) | undefined
  if (!res.ok || json === undefined) throw new Error(`${method} ${path}: ${res.status} ${json?.detail ?? json?.title ?? ''}`)
  return json
}

type Message = { seq: number; conversation_id: string; sender_name: string; sender_id: string; content: string; deleted: boolean }
type Login = { access: string; user: { id: string; username: string; person_id: string } }
type Contact = { room_id: string; person_id?: string; contact?: { person_id: string } }
const show = (m: Message) => console.log(`[${m.seq}] ${m.sender_name}: ${m.deleted ? '(deleted)' : m.content}`)

const login = await call<Login>('POST', '/api/auth/login/', undefined, { email, password, ...(option('tenant') ? { tenant: option('tenant') } : {}) })
const token: string = login.access
const me = login.user
const to = option('to')
let conversationId: string
if (to) {
  const contacts = await call<{ results: Contact[] }>('GET', '/acac/contacts/?page_size=100', token)
  const contact = contacts.results.find((c) => (c.contact?.person_id ?? c.person_id) === to)
  if (!contact) throw new Error(`${to} is not one of your contacts (invite them first: POST /acac/send-invite/)`)
  conversationId = contact.room_id
} else {
  const list = await call<{ results: Array<{ id: string }> }>('GET', '/api/chat/conversations/?page_size=1', token)
  if (!list.results.length) throw new Error('You have no conversations yet: add a contact or create a group first.')
  conversationId = list.results[0].id
}
const history = await call<{ messages: Message[] }>('GET', `/api/chat/conversations/${conversationId}/messages/?limit=20`, token)
console.log(`Signed in as ${me.username} (person_id ${me.person_id}); conversation ${conversationId}. Type a line and press Enter.`)
history.messages.forEach(show)

const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/chat/?token=${token}`)
ws.on('message', (data) => {
  const f = JSON.parse(String(data))
  if (f.conversation_id && f.conversation_id !== conversationId) return
  if (f.type === 'new_message' && f.message.conversation_id === conversationId && f.message.sender_id !== me.id) show(f.message)
  else if (f.type === 'message_ack') console.log(`  ✓ stored as #${f.message.seq}`)
  else if (f.type === 'typing_indicator' && f.user_id !== me.id) console.log(f.is_typing ? '  … typing' : '  (stopped typing)')
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
    ws.send(JSON.stringify({ type: 'send_message', conversation_id: conversationId, content: line, client_id: randomUUID() }))
  })
  input.on('close', () => ws.close(1000))
})
