'use strict'
// Scenario (d): REST history reads. Closed loop, --concurrency requests in flight over
// keep-alive connections, each GET /api/chat/conversations/{id}/messages/?limit=50 by a member.
// Prints one JSON line on stdout. Loopback only, bounded in time.
const http = require('http')
const fs = require('fs')
const { performance } = require('perf_hooks')

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`)
  return i >= 0 ? process.argv[i + 1] : d
}
const port = Number(arg('port'))
const duration = Number(arg('duration', '10'))
const warmup = Number(arg('warmup', '2'))
const concurrency = Number(arg('concurrency', '32'))
const prefill = Number(arg('prefill', '100'))
const seed = JSON.parse(fs.readFileSync(arg('seed'), 'utf8'))[arg('key', 'a')]
const members = seed.users.length / seed.rooms.length
setTimeout(
  () => {
    console.error('rest-load: hard time limit')
    process.exit(3)
  },
  (duration + warmup + 120) * 1000,
).unref()

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
function request(method, path, token, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }))
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

async function main() {
  // History to read: `prefill` messages per conversation, sent through the REST API.
  for (let r = 0; r < seed.rooms.length; r++) {
    const token = seed.users[r * members].token
    for (let k = 0; k < prefill; k += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          request('POST', `/api/chat/conversations/${seed.rooms[r]}/messages/`, token, {
            content: `history ${k + j}`,
          }),
        ),
      )
    }
  }
  const lat = []
  let ok = 0,
    failed = 0,
    phase = 'warmup'
  const until = performance.now() + (warmup + duration) * 1000
  const measureFrom = performance.now() + warmup * 1000
  let tStart = 0
  let i = 0
  const worker = async () => {
    while (performance.now() < until) {
      const u = (i++ * 7919) % seed.users.length
      const room = Math.floor(u / members)
      const t = performance.now()
      const res = await request(
        'GET',
        `/api/chat/conversations/${seed.rooms[room]}/messages/?limit=50`,
        seed.users[u].token,
      )
      const now = performance.now()
      if (phase === 'warmup' && now >= measureFrom) {
        phase = 'measure'
        tStart = now
      }
      if (phase !== 'measure') continue
      if (res.status === 200) {
        ok++
        lat.push(now - t)
      } else {
        failed++
        if (failed <= 3) console.error('rest-load:', res.status, res.body.toString().slice(0, 200))
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const secs = (performance.now() - tStart) / 1000
  lat.sort((a, b) => a - b)
  const q = (p) =>
    lat.length
      ? Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] * 100) / 100
      : null
  console.log(
    JSON.stringify({
      scenario: 'rest-history',
      concurrency,
      duration_s: Math.round(secs * 100) / 100,
      requests_ok: ok,
      failed,
      req_per_s: Math.round(ok / secs),
      latency: { p50_ms: q(50), p95_ms: q(95), p99_ms: q(99), max_ms: q(100) },
    }),
  )
  agent.destroy()
}
main().catch((e) => {
  console.error('rest-load FATAL', e.stack || e)
  process.exit(2)
})
