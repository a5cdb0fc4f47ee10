// A throwaway, in-memory fake of the SPEC's API (guessed shapes), only to smoke-test the web client
// in a browser before the real services run. Not a reference for the contract: SPEC.md is.
// Usage: npm run build -w @parley/web && node apps/web/e2e/fake-api.mjs   (PORT=8099)
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const { WebSocketServer } = require('ws')

const DIST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist')
const PORT = Number(process.env.PORT ?? 8099)
let idn = 0
const uid = () => `id-${++idn}`
const users = [] // {id, person_id, email, username, password, first_name}
const tokens = new Map() // access -> userId
const refreshes = new Map()
const invites = [] // {id, from, to, status}
const contacts = [] // {a, b, room_id}
const convs = [] // {id, type, name, members: [{user_id, role, last_read_seq, last_delivered_seq}], messages: []}
const mails = []
const uploads = new Map()
const sockets = new Map() // userId -> Set(ws)

function jwt(userId, ttl = 900) {
  const now = Math.floor(Date.now() / 1000)
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const t = `${enc({ alg: 'EdDSA' })}.${enc({ sub: userId, iat: now, exp: now + ttl, jti: uid() })}.sig`
  tokens.set(t, userId)
  return t
}
const pub = (u) => ({ id: u.id, person_id: u.person_id, email: u.email, username: u.username, first_name: u.first_name ?? '', last_name: '', avatar_url: null })
const problem = (res, status, title, errors) => send(res, status, { type: `/problems/${title.toLowerCase().replace(/\W+/g, '-')}`, title, status, detail: title, ...(errors ? { errors } : {}) }, 'application/problem+json')
function send(res, status, body, ct = 'application/json') {
  res.writeHead(status, { 'Content-Type': ct })
  res.end(body === undefined ? '' : JSON.stringify(body))
}
const userOf = (req) => tokens.get((req.headers.authorization ?? '').replace('Bearer ', ''))
function readBody(req) {
  return new Promise((r) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => r(Buffer.concat(chunks)))
  })
}
function convView(c, me) {
  const m = c.members.find((x) => x.user_id === me)
  const last = c.messages[c.messages.length - 1] ?? null
  return { id: c.id, type: c.type, name: c.name, is_public: !!c.is_public, last_message: last, unread_count: c.messages.filter((x) => x.seq > (m?.last_read_seq ?? 0) && x.sender_id !== me).length, message_count: c.messages.length, participants: c.members.map(partView), created_at: c.created_at }
}
function partView(m) {
  const u = users.find((x) => x.id === m.user_id)
  return { ...m, person_id: u.person_id, username: u.username }
}
function emit(userIds, frame) {
  for (const id of userIds) for (const ws of sockets.get(id) ?? []) ws.send(JSON.stringify(frame))
}
function msgView(c, m) {
  const others = c.members.filter((x) => x.user_id !== m.sender_id)
  return { ...m, is_delivered: others.every((x) => x.last_delivered_seq >= m.seq), is_seen: others.every((x) => x.last_read_seq >= m.seq) }
}
function postMessage(c, sender, body) {
  const existing = c.messages.find((x) => x.client_id && x.client_id === body.client_id)
  if (existing) return { msg: existing, dup: true }
  const u = users.find((x) => x.id === sender)
  const m = { id: uid(), conversation_id: c.id, seq: c.messages.length + 1, sender_id: sender, sender_person_id: u.person_id, sender_name: u.username, content: body.content ?? '', message_type: body.message_type ?? 'text', reply_to: body.reply_to ?? null, attachments: (body.attachment_ids ?? []).map((id) => uploads.get(id)).filter(Boolean), reactions: [], created_at: new Date().toISOString(), edited_at: null, deleted: false, client_id: body.client_id ?? null }
  c.messages.push(m)
  return { msg: m, dup: false }
}
function deliverNew(c, m, exceptWs) {
  for (const mem of c.members) {
    for (const ws of sockets.get(mem.user_id) ?? []) if (ws !== exceptWs) ws.send(JSON.stringify({ type: 'new_message', message: msgView(c, m) }))
    if (mem.user_id !== m.sender_id && sockets.get(mem.user_id)?.size) {
      mem.last_delivered_seq = Math.max(mem.last_delivered_seq, m.seq)
      emit(c.members.map((x) => x.user_id), { type: 'delivery_receipt', conversation_id: c.id, user_id: mem.user_id, up_to_seq: m.seq })
    }
  }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x')
  const p = url.pathname
  const raw = await readBody(req)
  let body = {}
  if ((req.headers['content-type'] ?? '').includes('json') && raw.length) body = JSON.parse(raw.toString())
  const me = userOf(req)
  const M = req.method
  if (p.startsWith('/api/') || p.startsWith('/acac/') || p.startsWith('/profiles/')) {
    if (process.env.LOG) console.log(M, p, JSON.stringify(body))
    if (p === '/api/auth/register/' && M === 'POST') {
      const errors = {}
      if (!/@/.test(body.email ?? '')) errors.email = ['Enter a valid email address.']
      if ((body.password ?? '').length < 8) errors.password = ['Password must be at least 8 characters.']
      if (users.some((u) => u.email === body.email)) errors.email = ['A user with this email already exists.']
      if (Object.keys(errors).length) return problem(res, 400, 'Validation failed', errors)
      const u = { id: uid(), person_id: String(100000 + Math.floor(Math.random() * 899999)), ...body }
      users.push(u)
      return send(res, 201, pub(u))
    }
    if (p === '/api/auth/login/') {
      const u = users.find((x) => x.email === body.email && x.password === body.password)
      if (!u) return problem(res, 401, 'Invalid credentials')
      const r = uid(); refreshes.set(r, u.id)
      return send(res, 200, { access: jwt(u.id), refresh: r, user: pub(u) })
    }
    if (p === '/api/auth/token/refresh/') {
      const userId = refreshes.get(body.refresh)
      if (!userId) return problem(res, 401, 'Invalid refresh')
      refreshes.delete(body.refresh)
      const r = uid(); refreshes.set(r, userId)
      return send(res, 200, { access: jwt(userId), refresh: r })
    }
    if (p === '/api/auth/forgot-password/') {
      if (!/@/.test(body.email ?? '')) return problem(res, 400, 'Validation failed', { email: ['Enter a valid email address.'] })
      mails.unshift({ to: body.email, subject: 'Reset your Parley password', text: `Hello,\n\nReset it here: http://localhost:${PORT}/reset-password?token=abc123\n\nValid 30 minutes.`, created_at: new Date().toISOString() })
      return send(res, 202, { detail: 'ok' })
    }
    if (p === '/api/auth/reset-password/') return body.new_password?.length >= 8 ? send(res, 200, {}) : problem(res, 400, 'Validation failed', { new_password: ['Too short'] })
    if (p === '/api/dev/mailbox/') return send(res, 200, mails)
    if (!me) return problem(res, 401, 'Unauthorized')
    const u = users.find((x) => x.id === me)
    if (p === '/api/auth/logout/') return send(res, 204)
    if (p === '/api/auth/me/') return send(res, 200, pub(u))
    if (p === '/acac/search/') {
      const t = users.find((x) => x.person_id === body.person_id)
      return t ? send(res, 200, { person_id: t.person_id, username: t.username, user_id: t.id }) : problem(res, 404, 'Not found')
    }
    if (p === '/acac/send-invite/') {
      const t = users.find((x) => x.person_id === body.person_id)
      if (!t) return problem(res, 404, 'Not found')
      const i = { id: uid(), from: me, to: t.id, status: 'pending' }
      invites.push(i)
      return send(res, 201, i)
    }
    const inv = (i, key) => { const o = users.find((x) => x.id === i[key]); return { id: i.id, status: i.status, sender: pub(users.find((x) => x.id === i.from)), receiver: pub(o) } }
    if (p === '/acac/received-invite/') return send(res, 200, invites.filter((i) => i.to === me && i.status === 'pending').map((i) => inv(i, 'to')))
    if (p === '/acac/sent-invites/') return send(res, 200, invites.filter((i) => i.from === me && i.status === 'pending').map((i) => inv(i, 'to')))
    if (p === '/acac/rejected-invites/') return send(res, 200, [])
    if (p === '/acac/blocks/') return send(res, 200, [])
    if (p === '/acac/accept-invite/') {
      const i = invites.find((x) => x.id === body.invite_id)
      i.status = body.accept ? 'accepted' : 'rejected'
      if (body.accept) {
        const c = { id: uid(), type: 'direct', name: null, created_at: new Date().toISOString(), members: [i.from, i.to].map((user_id) => ({ user_id, role: 'member', last_read_seq: 0, last_delivered_seq: 0 })), messages: [] }
        convs.push(c)
        contacts.push({ a: i.from, b: i.to, room_id: c.id })
        emit([i.from, i.to], { type: 'conversation_updated', conversation_id: c.id })
      }
      return send(res, 200, {})
    }
    if (p === '/acac/contacts/') return send(res, 200, { count: 1, next: null, previous: null, results: contacts.filter((c) => c.a === me || c.b === me).map((c) => ({ contact: pub(users.find((x) => x.id === (c.a === me ? c.b : c.a))), room_id: c.room_id, presence: 'online' })) })
    if (p === '/api/chat/conversations/' && M === 'GET') return send(res, 200, { count: 0, next: null, previous: null, results: convs.filter((c) => c.members.some((m) => m.user_id === me)).map((c) => convView(c, me)) })
    if (p === '/api/chat/conversations/' && M === 'POST') {
      const c = { id: uid(), type: body.type, name: body.name, is_public: body.is_public, created_at: new Date().toISOString(), members: [{ user_id: me, role: 'owner', last_read_seq: 0, last_delivered_seq: 0 }, ...body.participant_ids.map((user_id) => ({ user_id, role: 'member', last_read_seq: 0, last_delivered_seq: 0 }))], messages: [] }
      convs.push(c)
      emit(c.members.map((m) => m.user_id), { type: 'conversation_updated', conversation_id: c.id })
      return send(res, 201, convView(c, me))
    }
    if (p === '/api/chat/presence/') return send(res, 200, (url.searchParams.get('user_ids') ?? '').split(',').map((user_id) => ({ user_id, status: sockets.get(user_id)?.size ? 'online' : 'offline' })))
    if (p === '/api/chat/upload/') {
      const ct = req.headers['content-type']
      const boundary = ct.split('boundary=')[1]
      const text = raw.toString('latin1')
      const part = text.split('--' + boundary)[1]
      const head = part.slice(0, part.indexOf('\r\n\r\n'))
      const ctype = /Content-Type: (.*)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream'
      const data = Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4, part.length - 2), 'latin1')
      const a = { id: uid(), url: '', content_type: ctype, size: data.length }
      a.url = `/media/${a.id}`
      uploads.set(a.id, a); uploads.set('data:' + a.id, data)
      return send(res, 201, a)
    }
    let m
    if ((m = /^\/api\/chat\/conversations\/([^/]+)\/$/.exec(p))) {
      const c = convs.find((x) => x.id === m[1])
      if (!c || !c.members.some((x) => x.user_id === me)) return problem(res, 404, 'Not found')
      if (M === 'PATCH') { c.name = body.name ?? c.name; return send(res, 200, convView(c, me)) }
      return send(res, 200, convView(c, me))
    }
    if ((m = /^\/api\/chat\/conversations\/([^/]+)\/participants\/$/.exec(p))) {
      const c = convs.find((x) => x.id === m[1])
      if (M === 'POST') { c.members.push({ user_id: body.user_id, role: 'member', last_read_seq: c.messages.length, last_delivered_seq: c.messages.length }); emit(c.members.map((x) => x.user_id), { type: 'participant_added', conversation_id: c.id, user_id: body.user_id }); return send(res, 201, {}) }
      return send(res, 200, c.members.map(partView))
    }
    if ((m = /^\/api\/chat\/conversations\/([^/]+)\/participants\/([^/]+)\/$/.exec(p))) {
      const c = convs.find((x) => x.id === m[1])
      const all = c.members.map((x) => x.user_id)
      c.members = c.members.filter((x) => x.user_id !== m[2])
      emit(all, { type: 'participant_removed', conversation_id: c.id, user_id: m[2] })
      return send(res, 204)
    }
    if ((m = /^\/api\/chat\/conversations\/([^/]+)\/messages\/$/.exec(p))) {
      const c = convs.find((x) => x.id === m[1])
      if (!c) return problem(res, 404, 'Not found')
      const before = Number(url.searchParams.get('before_seq') ?? Infinity)
      const after = Number(url.searchParams.get('after_seq') ?? 0)
      const limit = Number(url.searchParams.get('limit') ?? 50)
      let list = c.messages.filter((x) => x.seq < before && x.seq > after)
      const has_more = list.length > limit
      list = list.slice(-limit)
      return send(res, 200, { results: list.map((x) => msgView(c, x)), has_more })
    }
    if ((m = /^\/api\/chat\/conversations\/([^/]+)\/messages\/([^/]+)\/$/.exec(p))) {
      const c = convs.find((x) => x.id === m[1])
      const msg = c.messages.find((x) => x.id === m[2])
      if (M === 'PATCH') { msg.content = body.content; msg.edited_at = new Date().toISOString(); emit(c.members.map((x) => x.user_id), { type: 'message_updated', message: msgView(c, msg) }); return send(res, 200, msgView(c, msg)) }
      if (M === 'DELETE') { msg.deleted = true; msg.content = ''; emit(c.members.map((x) => x.user_id), { type: 'message_deleted', conversation_id: c.id, message_id: msg.id }); return send(res, 204) }
    }
    if ((m = /^\/api\/chat\/messages\/([^/]+)\/reactions\/(?:([^/]+)\/)?$/.exec(p))) {
      const c = convs.find((x) => x.messages.some((y) => y.id === m[1]))
      const emoji = M === 'POST' ? body.emoji : decodeURIComponent(m[2])
      emit(c.members.map((x) => x.user_id), { type: M === 'POST' ? 'reaction_added' : 'reaction_removed', conversation_id: c.id, message_id: m[1], user_id: me, emoji })
      return send(res, M === 'POST' ? 201 : 204, M === 'POST' ? {} : undefined)
    }
    if (p.startsWith('/profiles/profile/')) {
      if (M === 'PATCH' && body.primary_phone && !/^\+\d{8,15}$/.test(body.primary_phone)) return problem(res, 400, 'Validation failed', { primary_phone: ['Enter a phone number in E.164 format.'] })
      return send(res, 200, { person_id: u.person_id, email: u.email, first_name: u.first_name ?? '', ...body })
    }
    if (p === '/profiles/addresses/' || p === '/profiles/cards/') {
      if (M === 'POST') return problem(res, 400, 'Validation failed', p.includes('cards') ? { card_number: ['Invalid card number.'] } : { country: ['Use an ISO 3166-1 alpha-2 code.'] })
      return send(res, 200, { count: 0, next: null, previous: null, results: [] })
    }
    if (p === '/acac/profile/') return send(res, 200, { person_id: u.person_id, username: u.username, bio: '' })
    return problem(res, 404, 'Not found')
  }
  if (p.startsWith('/media/')) {
    const data = uploads.get('data:' + p.slice(7))
    if (!data) return problem(res, 404, 'Not found')
    res.writeHead(200, { 'Content-Type': uploads.get(p.slice(7)).content_type }); return res.end(data)
  }
  let file = path.join(DIST, p)
  if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(DIST, 'index.html')
  const ext = path.extname(file)
  res.writeHead(200, { 'Content-Type': { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' }[ext] ?? 'application/octet-stream' })
  res.end(fs.readFileSync(file))
})

const wss = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x')
  const me = tokens.get(url.searchParams.get('token'))
  if (!url.pathname.startsWith('/ws/chat/') || !me) { socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n'); return socket.destroy() }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (!sockets.has(me)) sockets.set(me, new Set())
    sockets.get(me).add(ws)
    ws.send(JSON.stringify({ type: 'connection_established', user_id: me, tenant_id: 't', timestamp: new Date().toISOString() }))
    ws.on('close', () => sockets.get(me).delete(ws))
    ws.on('message', (data) => {
      const f = JSON.parse(String(data))
      if (process.env.LOG) console.log('WS', me, data.toString())
      const c = convs.find((x) => x.id === f.conversation_id)
      if (f.type === 'ping') return ws.send(JSON.stringify({ type: 'pong' }))
      if (f.type === 'join_conversation') { const after = f.after_seq ?? 0; return ws.send(JSON.stringify({ type: 'history', conversation_id: c.id, messages: c.messages.filter((x) => x.seq > after).slice(0, 100).map((x) => msgView(c, x)), has_more: false })) }
      if (f.type === 'send_message') {
        if (process.env.DROP_ACK === '1') return
        const { msg, dup } = postMessage(c, me, f)
        ws.send(JSON.stringify({ type: 'message_ack', client_id: f.client_id, message: msgView(c, msg), ref: f.ref }))
        if (!dup) deliverNew(c, msg, ws)
        return
      }
      if (f.type === 'start_typing' || f.type === 'stop_typing') return emit(c.members.map((x) => x.user_id).filter((x) => x !== me), { type: 'typing_indicator', conversation_id: c.id, user_id: me, is_typing: f.type === 'start_typing' })
      if (f.type === 'mark_read') { const mm = c.members.find((x) => x.user_id === me); mm.last_read_seq = Math.max(mm.last_read_seq, f.up_to_seq); return emit(c.members.map((x) => x.user_id), { type: 'read_receipt', conversation_id: c.id, user_id: me, up_to_seq: f.up_to_seq }) }
    })
  })
})
// For tests: inject a message directly without broadcasting (simulates missed frames).
server.on('request', () => {})
globalThis.__mock = { convs, postMessage }
server.listen(PORT, '127.0.0.1', () => console.log('mock on', PORT))
