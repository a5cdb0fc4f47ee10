'use strict'
// Scenario (c) at scale: N idle authenticated connections, spread round-robin over loopback source
// addresses (127.0.0.2, 127.0.0.3, …: ~28,000 ephemeral ports per source address and server port,
// so 100,000 sockets need at least 4), held for --idle-secs, then a reconnect storm: every socket
// dropped at once and reconnected at once, timed until all are authenticated again and, for Parley
// (--presence-seed), until every user shows online through GET /api/chat/presence/ — and, after
// the final close, offline. Speaks to any server through a load generator adapter
// (../shared/peers/loadgen/adapters/*.js or scripts/bench/parley-adapter.cjs), with the same
// connection interface (conn.ready / joined / message / fail / send) as the peers' loadgen.
// Prints one JSON line. Every run is bounded (--time-limit) and only targets 127.0.0.1.
//
//   node scripts/bench/idle-conns.cjs --adapter <name|path> --port P --conns 10000 --server-pid PID
//        [--members 100] [--sources 4] [--idle-secs 10] [--storm] [--presence-seed seed.json]
//        [--concurrency 200] [--time-limit 900]
//
// Run it with a raised open-files limit (`ulimit -n`, or prlimit --nofile as bench.ts does):
// each connection is one descriptor here and one in the server.
const fs = require('fs')
const path = require('path')
const WebSocket = require('ws')

function parseArgs(argv) {
  const a = {
    adapter: null,
    port: null,
    conns: 10000,
    members: 100,
    sources: 0,
    'idle-secs': 10,
    storm: false,
    'presence-seed': null,
    'presence-key': 'c',
    concurrency: 200,
    'connect-timeout': 120,
    'time-limit': 900,
    'server-pid': null,
    'peers-dir': process.env.PEERS_DIR || path.resolve(__dirname, '../../../shared/peers'),
  }
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '')
    if (!(k in a)) throw new Error(`unknown option --${k}`)
    if (typeof a[k] === 'boolean') a[k] = true
    else a[k] = typeof a[k] === 'number' || a[k] === null ? Number(argv[++i]) || argv[i] : argv[++i]
  }
  if (!a.adapter || !a.port) throw new Error('--adapter and --port are required')
  // ~28,000 ephemeral ports per source address. Every socket the generator closed holds its port in
  // TIME_WAIT for 60 s, and one invocation runs four servers back to back, each with the first
  // connections and the storm's: 8 ports per connection within a minute. With one source for
  // 10,000 sockets 13-25 % of the connections failed on every server, the bare ws ceiling included.
  if (!a.sources) a.sources = Math.max(1, Math.ceil(a.conns / 2500))
  if (a.sources > 250) throw new Error('at most 250 source addresses (127.0.0.2 … 127.0.0.251)')
  return a
}

const A = parseArgs(process.argv)
const HOST = '127.0.0.1'
const SOURCES = Array.from({ length: A.sources }, (_, i) => `127.0.0.${i + 2}`)
const adapter = require(
  A.adapter.includes('/')
    ? path.resolve(A.adapter)
    : path.join(A['peers-dir'], 'loadgen/adapters', `${A.adapter}.js`),
)
const { accessToken } = require(path.join(A['peers-dir'], 'loadgen/lib/jwt'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const now = () => performance.now()
const t0 = now()
const log = (text) => process.stderr.write(`[idle ${((now() - t0) / 1000).toFixed(1)}s] ${text}\n`)
setTimeout(() => {
  process.stderr.write(`hard time limit ${A['time-limit']} s reached\n`)
  process.exit(3)
}, A['time-limit'] * 1000).unref()

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

const users = Array.from({ length: A.conns }, (_, i) => ({
  idx: i,
  id: i + 1,
  room: Math.floor(i / A.members),
  token: accessToken(i + 1),
}))
const failures = {}
const fail = (why) => (failures[why] = (failures[why] || 0) + 1)

/** One socket, with the interface adapters expect (see ../shared/peers/README.md). */
class Conn {
  constructor(user) {
    this.user = user
    this.ackId = 0
    this.open = false
    this.isReady = false
    this.done = null
  }
  nextAckId() {
    return this.ackId++
  }
  send(data) {
    if (this.open) this.ws.send(data)
  }
  ready() {
    if (this.isReady) return
    this.isReady = true
    adapter.join(this, this.user.room)
  }
  joined() {
    this.finish(true)
  }
  message() {}
  error() {}
  fail(reason) {
    fail(String(reason).slice(0, 80))
    this.finish(false)
    this.close()
  }
  finish(ok) {
    const done = this.done
    this.done = null
    clearTimeout(this.timer)
    if (done) done(ok)
  }
  close() {
    this.open = false
    try {
      this.ws?.terminate()
    } catch {
      /* gone */
    }
  }
  /** Resolves true once connected, authenticated and joined to its room. */
  connect() {
    this.isReady = false
    return new Promise((resolve) => {
      this.done = resolve
      this.timer = setTimeout(() => this.fail('connect timeout'), A['connect-timeout'] * 1000)
      const ws = new WebSocket(adapter.url(this.user, { host: HOST, port: A.port }), {
        perMessageDeflate: false,
        localAddress: SOURCES[this.user.idx % SOURCES.length],
        handshakeTimeout: A['connect-timeout'] * 1000,
      })
      this.ws = ws
      // A dropped socket's late events must not touch its replacement (reconnect storm).
      const mine =
        (fn) =>
        (...args) => {
          if (this.ws === ws) fn(...args)
        }
      ws.on(
        'open',
        mine(() => {
          this.open = true
          adapter.onOpen(this)
        }),
      )
      ws.on(
        'message',
        mine((d) => {
          try {
            adapter.onFrame(this, d.toString())
          } catch (e) {
            fail(`frame: ${e.message}`)
          }
        }),
      )
      ws.on(
        'error',
        mine((e) => this.fail(e.code || e.message)),
      )
      ws.on(
        'unexpected-response',
        mine((_req, res) => this.fail(`http ${res.statusCode}`)),
      )
      ws.on(
        'close',
        mine(() => {
          this.open = false
          if (this.done) this.fail('closed')
        }),
      )
    })
  }
}

async function pool(items, concurrency, fn) {
  let i = 0
  let ok = 0
  const worker = async () => {
    while (i < items.length) if (await fn(items[i++])) ok++
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return ok
}

async function connectAll(conns) {
  const start = now()
  const ok = await pool(conns, A.concurrency, (c) => c.connect())
  return { ok, seconds: (now() - start) / 1000 }
}

// ---------------------------------------------------------------- Parley presence (REST)
let presence = null
if (A['presence-seed']) {
  const seed = JSON.parse(fs.readFileSync(A['presence-seed'], 'utf8'))[A['presence-key']]
  presence = { ids: seed.users.slice(0, A.conns).map((u) => u.id), token: seed.users[0].token }
}

/** How many of the users show `status` (online: any status but offline). */
async function countPresence(online) {
  const chunks = []
  for (let i = 0; i < presence.ids.length; i += 100) chunks.push(presence.ids.slice(i, i + 100))
  let n = 0
  await pool(chunks, 8, async (ids) => {
    const res = await fetch(`http://${HOST}:${A.port}/api/chat/presence/?user_ids=${ids.join(',')}`, {
      headers: { authorization: `Bearer ${presence.token}` },
    })
    if (!res.ok) throw new Error(`presence: HTTP ${res.status}`)
    for (const p of await res.json()) if ((p.status !== 'offline') === online) n++
    return true
  })
  return n
}

/** Seconds from `since` until every user shows online (or offline), or null after `limitS`. */
async function waitPresence(online, since, limitS = 60) {
  for (;;) {
    const n = await countPresence(online)
    if (n === presence.ids.length) return (now() - since) / 1000
    if ((now() - since) / 1000 > limitS) {
      log(`presence: ${n}/${presence.ids.length} ${online ? 'online' : 'offline'} after ${limitS} s`)
      return null
    }
    await sleep(250)
  }
}

async function main() {
  const pid = A['server-pid']
  const rssBase = pid ? rssKiB(pid) : null
  if (typeof adapter.setup === 'function')
    await adapter.setup({
      users,
      rooms: Math.ceil(A.conns / A.members),
      members: A.members,
      host: HOST,
      port: A.port,
      log,
    })
  const conns = users.map((u) => new Conn(u))
  log(`connecting ${A.conns} to ${adapter.name} from ${SOURCES.length} source address(es) ...`)
  const first = await connectAll(conns)
  log(`connected ${first.ok}/${A.conns} in ${first.seconds.toFixed(1)} s`)
  const rssConnected = pid ? rssKiB(pid) : null
  await sleep(A['idle-secs'] * 1000)
  const rssAfter = pid ? rssKiB(pid) : null
  // After the RSS reads: the presence queries (REST) must not count in the memory per socket.
  const online = presence && first.ok === A.conns ? await waitPresence(true, now()) : null
  const result = {
    target: adapter.name,
    scenario: 'idle',
    generator: 'idle-conns',
    source_addresses: SOURCES.length,
    conns_requested: A.conns,
    conns_ok: first.ok,
    connect_s: Math.round(first.seconds * 100) / 100,
    idle_s: A['idle-secs'],
    server_rss_base_kib: rssBase,
    server_rss_connected_kib: rssConnected,
    server_rss_after_idle_kib: rssAfter,
    // The same formula as the peers' loadgen: (RSS after idling − RSS before connecting) / sockets.
    rss_per_conn_kib:
      rssAfter != null && first.ok ? Math.round(((rssAfter - rssBase) / first.ok) * 100) / 100 : null,
    // Seconds the REST check took to see every user online after the idle period (Parley only).
    presence_online_s: online == null ? null : Math.round(online * 100) / 100,
  }
  if (A.storm) {
    // Every socket dropped at once (as when a node or a network path dies), then all reconnect.
    const dropAt = now()
    for (const c of conns) c.close()
    const again = await connectAll(conns)
    const allBack = (now() - dropAt) / 1000
    log(`storm: ${again.ok}/${A.conns} back in ${allBack.toFixed(1)} s`)
    const presenceRight = presence && again.ok === A.conns ? await waitPresence(true, dropAt) : null
    result.storm = {
      conns_ok: again.ok,
      reconnect_s: Math.round(allBack * 100) / 100,
      // Until every user shows online again through the REST API (Parley only; null elsewhere).
      presence_s: presenceRight == null ? null : Math.round(presenceRight * 100) / 100,
      presence_ok: presence ? presenceRight != null : null,
    }
  }
  const closedAt = now()
  for (const c of conns) c.close()
  if (presence) {
    const offline = await waitPresence(false, closedAt)
    result.presence_offline_s = offline == null ? null : Math.round(offline * 100) / 100
  }
  result.fail_reasons = failures
  console.log(JSON.stringify(result))
  setTimeout(() => process.exit(0), 100)
}

main().catch((e) => {
  process.stderr.write(`idle-conns failed: ${e.stack || e}\n`)
  process.exit(2)
})
