/**
 * Medians of the reps, the console tables and JSON summary lines (one per scenario and engine,
 * with Parley / peer and Parley / ceiling), and the markdown table of `--table`.
 */
import type { Result } from './loadgen'
import { type Engine, fixedRate } from './options'
import type { SendCost } from './send-batch-cost'

export const median = (xs: Array<number | null | undefined>): number | null => {
  const s = xs.filter((x): x is number => x != null && !Number.isNaN(x)).sort((a, b) => a - b)
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null
}
export function table(rows: string[][]) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows
    .map(
      (r, k) =>
        (k === 1 ? widths.map((w) => '-'.repeat(w)).join('-+-') + '\n' : '') +
        r.map((c, i) => c.padEnd(widths[i])).join(' | '),
    )
    .join('\n')
}
export const fmt = (x: number | null | undefined, d = 0) =>
  x == null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const round = (x: number | null, d: number) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d)
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a != null && b ? round(a / b, 3) : null

/** CPU µs per unit of work: `pct` % of a core over a window, `rate` units per second. */
const usPer = (pct: number | null, rate: number | null) =>
  pct != null && rate ? round(((pct / 100) * 1e6) / rate, 1) : null

export function summarizeMessages(rs: Result[]) {
  const delivered = median(rs.map((r) => r.delivered_per_s))
  const sent = median(rs.map((r) => r.send_rate as number | undefined))
  const server = median(rs.map((r) => r.cpu_pct?.server))
  const postgres = median(rs.map((r) => r.cpu_pct?.postgres))
  const dbThread = median(rs.map((r) => r.cpu_pct?.db_thread))
  return {
    delivered_per_s: delivered,
    sent_per_s: sent,
    p50_ms: median(rs.map((r) => r.latency?.p50_ms)),
    p95_ms: median(rs.map((r) => r.latency?.p95_ms)),
    p99_ms: median(rs.map((r) => r.latency?.p99_ms)),
    lost: Math.max(
      ...rs.map((r) => (r.lost_deliveries ?? 0) + ((r.conns_requested ?? 0) - (r.conns_ok ?? 0))),
    ),
    server_cpu_pct: server,
    postgres_cpu_pct: postgres,
    /** Embedded: the PGlite thread's share of `server_cpu_pct`. */
    db_thread_cpu_pct: dbThread,
    loadgen_cpu_pct: median(rs.map((r) => r.cpu_pct?.loadgen)),
    /** CPU the hypervisor took from the machine over the window (host-cpu.ts), % of one core. */
    host_steal_pct: median(rs.map((r) => r.cpu_pct?.host_steal)),
    // Per-message costs for the scale-out model (docs/BENCHMARKS.md): CPU time over the window
    // divided by messages stored (sent) and by deliveries; from the medians above.
    server_cpu_us_per_msg: usPer(server, sent),
    server_cpu_us_per_delivery: usPer(server, delivered),
    postgres_cpu_us_per_msg: usPer(postgres, sent),
    db_thread_cpu_us_per_msg: usPer(dbThread, sent),
    server_errors: Math.max(...rs.map((r) => r.server_errors ?? 0)),
    runs: rs.length,
  }
}
type MessageSummary = ReturnType<typeof summarizeMessages>

export function summarizeIdle(rs: Result[]) {
  return {
    rss_per_conn_kib: median(rs.map((r) => r.rss_per_conn_kib)),
    conns_requested: Math.max(...rs.map((r) => r.conns_requested ?? 0)),
    conns_ok: Math.min(...rs.map((r) => r.conns_ok ?? 0)),
    connect_s: median(rs.map((r) => r.connect_s)),
    source_addresses: median(rs.map((r) => r.source_addresses as number | undefined)),
    storm_reconnect_s: median(rs.map((r) => r.storm?.reconnect_s)),
    storm_conns_ok: rs.every((r) => r.storm) ? Math.min(...rs.map((r) => r.storm?.conns_ok ?? 0)) : null,
    storm_presence_s: median(rs.map((r) => r.storm?.presence_s as number | undefined)),
    presence_ok: rs.some((r) => r.storm?.presence_ok != null)
      ? rs.every((r) => r.storm?.presence_ok === true)
      : null,
    server_ready_ms: median(rs.map((r) => r.server_ready_ms)),
    runs: rs.length,
  }
}
type IdleSummary = ReturnType<typeof summarizeIdle>

/** What one scenario measured: Parley per engine, and the reference servers (once, shared). */
export interface Measured {
  key: string
  parley: Partial<Record<Engine, Result[]>>
  peer: Result[]
  ceiling: Result[]
  /** (b): `chat.send_batch` alone per engine, measured after the runs (send-batch-cost.ts). */
  sendAlone?: Partial<Record<Engine, SendCost>>
}

/**
 * The send statement alone, beside (b)'s closed loop: per batch size, its ms per call and the
 * deliveries per second that batches of that size back to back would make (as many deliveries
 * per message as the run had), i.e. the most the writer could deliver with one batch in flight if
 * nothing else used the database and nothing took time outside it.
 */
export function sendBound(cost: SendCost | undefined, run: MessageSummary) {
  const perMessage = run.delivered_per_s && run.sent_per_s ? run.delivered_per_s / run.sent_per_s : null
  if (!cost || perMessage == null) return null
  return cost.sizes.map(({ messages, ms }) => ({
    messages,
    ms,
    delivered_per_s_bound: Math.round((perMessage * messages * 1000) / ms),
  }))
}

/** `2.98 / 5.00 ms: 21,498 / 25,595`: ms per call of each size, then what they would deliver. */
const boundText = (bound: NonNullable<ReturnType<typeof sendBound>>) =>
  `${bound.map((b) => fmt(b.ms, 2)).join(' / ')} ms: ${bound.map((b) => fmt(b.delivered_per_s_bound)).join(' / ')}`

const TITLES: Record<string, string> = {
  a: '(a) fan-out 10 groups x 100, 2 senders/group',
  b: '(b) 1,000 direct pairs, both send',
  d: '(d) REST history reads, 32 concurrent',
}

/** How the load was offered: the closed loop's bound, or `--rate`. */
function loadShape(key: string): string {
  if (fixedRate !== undefined) return `, offered at ${fixedRate} msg/s`
  return key === 'b' ? ', <= 64 in flight' : ', window 1'
}

/** The JSON summary line of (a) or (b) for one engine, and its console table. */
function messageReport(m: Measured, engine: Engine) {
  const P = summarizeMessages(m.parley[engine]!)
  const S = m.peer.length ? summarizeMessages(m.peer) : null
  const C = m.ceiling.length ? summarizeMessages(m.ceiling) : null
  const rows = [
    [
      'server',
      'delivered msg/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'lost',
      'server CPU %',
      'of which PGlite %',
      'PG CPU %',
      'loadgen CPU %',
      'host steal %',
    ],
  ]
  for (const [name, s] of [
    [`parley (${engine})`, P],
    ['socketio-pg (peer)', S],
    ['ceiling-ws', C],
  ] as Array<[string, MessageSummary | null]>)
    if (s)
      rows.push([
        name,
        fmt(s.delivered_per_s),
        fmt(s.p50_ms, 1),
        fmt(s.p95_ms, 1),
        fmt(s.p99_ms, 1),
        String(s.lost),
        fmt(s.server_cpu_pct),
        fmt(s.db_thread_cpu_pct),
        fmt(s.postgres_cpu_pct),
        fmt(s.loadgen_cpu_pct),
        fmt(s.host_steal_pct, 1),
      ])
  const overPeer = ratio(P.delivered_per_s, S?.delivered_per_s)
  const overCeiling = ratio(P.delivered_per_s, C?.delivered_per_s)
  const x = (r: number | null) => (r == null ? '-' : `${r.toFixed(2)} x`)
  const p99 = (s: MessageSummary | null) => (s ? `${fmt(s.p99_ms, 1)} ms` : '-')
  const bound = sendBound(m.sendAlone?.[engine], P)
  console.log(
    `\n${TITLES[m.key]}${loadShape(m.key)}  [${engine}]\n${table(rows)}\n` +
      `Parley / peer throughput: ${x(overPeer)} (p99 ${p99(P)} vs ${p99(S)}); ` +
      `Parley / ceiling: ${x(overCeiling)} (p99 ${p99(P)} vs ${p99(C)})` +
      (bound
        ? `\nchat.send_batch alone, ${bound.map((b) => b.messages).join(' / ')} messages: ${boundText(bound)} delivered/s back to back`
        : ''),
  )
  return {
    scenario: m.key,
    db: engine,
    parley: P,
    peer: S,
    ceiling: C,
    parley_over_peer: overPeer,
    parley_over_ceiling: overCeiling,
    p99_ms: { parley: P.p99_ms, peer: S?.p99_ms ?? null, ceiling: C?.p99_ms ?? null },
    ...(bound ? { send_statement_alone: bound } : {}),
  }
}

function idleReport(m: Measured, engine: Engine) {
  const P = summarizeIdle(m.parley[engine]!)
  const S = m.peer.length ? summarizeIdle(m.peer) : null
  const C = m.ceiling.length ? summarizeIdle(m.ceiling) : null
  const rows = [
    ['server', 'RSS per idle conn KiB', 'conns ok', 'connect s', 'storm: all back s', 'presence right s'],
  ]
  for (const [name, s] of [
    [`parley (${engine})`, P],
    ['socketio-pg (peer)', S],
    ['ceiling-ws', C],
  ] as Array<[string, IdleSummary | null]>)
    if (s)
      rows.push([
        name,
        fmt(s.rss_per_conn_kib, 2),
        `${s.conns_ok}/${s.conns_requested}`,
        fmt(s.connect_s, 1),
        fmt(s.storm_reconnect_s, 1),
        s.presence_ok == null ? '-' : s.presence_ok ? fmt(s.storm_presence_s, 1) : 'NOT RIGHT',
      ])
  const memPeer = ratio(P.rss_per_conn_kib, S?.rss_per_conn_kib)
  const memCeiling = ratio(P.rss_per_conn_kib, C?.rss_per_conn_kib)
  const x = (r: number | null) => (r == null ? '-' : `${r.toFixed(2)} x`)
  console.log(
    `\n(c) ${P.conns_requested} idle authenticated connections from ${fmt(P.source_addresses)} source address(es)  [${engine}]\n` +
      `${table(rows)}\nParley / peer memory per connection: ${x(memPeer)}; Parley / ceiling: ${x(memCeiling)}`,
  )
  return {
    scenario: m.key,
    db: engine,
    parley: P,
    peer: S,
    ceiling: C,
    parley_over_peer_memory: memPeer,
    parley_over_ceiling_memory: memCeiling,
    storm_reconnect_s: {
      parley: P.storm_reconnect_s,
      peer: S?.storm_reconnect_s ?? null,
      ceiling: C?.storm_reconnect_s ?? null,
    },
  }
}

/** (d): Parley alone. */
function restReport(m: Measured, engine: Engine) {
  const rs = m.parley[engine]!
  const P = {
    req_per_s: median(rs.map((r) => r.req_per_s)),
    p50_ms: median(rs.map((r) => r.latency?.p50_ms)),
    p99_ms: median(rs.map((r) => r.latency?.p99_ms)),
    failed: Math.max(...rs.map((r) => r.failed ?? 0)),
  }
  const rows = [
    ['server', 'requests/s', 'p50 ms', 'p99 ms', 'failed'],
    ['parley', fmt(P.req_per_s), fmt(P.p50_ms, 1), fmt(P.p99_ms, 1), String(P.failed)],
  ]
  console.log(`\n${TITLES.d}  [${engine}]\n${table(rows)}`)
  return { scenario: m.key, db: engine, parley: P }
}

/** What chains.ts prints (scenario e). */
interface ChainsResult {
  chains: number
  failed: number
  not_findable_at_once: number
  findable_lag_ms?: { p50: number | null; p99: number | null }
  register_ms?: { p50: number | null; p99: number | null }
  chains_per_s: number
}

function chainsReport(m: Measured, engine: Engine) {
  const all = m.parley[engine]! as unknown as ChainsResult[]
  const r = all[all.length - 1]
  const rows = [
    [
      'server',
      'chains',
      'failed',
      'not findable at once',
      'findable lag p50 ms',
      'p99 ms',
      'register p50 ms',
      'p99 ms',
      'chains/s',
    ],
    [
      'parley',
      String(r.chains),
      String(Math.max(...all.map((x) => x.failed ?? 0))),
      String(r.not_findable_at_once),
      fmt(r.findable_lag_ms?.p50, 1),
      fmt(r.findable_lag_ms?.p99, 1),
      fmt(r.register_ms?.p50, 1),
      fmt(r.register_ms?.p99, 1),
      fmt(r.chains_per_s, 1),
    ],
  ]
  console.log(
    `\n(e) ${r.chains} register → log in → invite → accept → first message chains, 16 at once  [${engine}]\n${table(rows)}`,
  )
  return { scenario: m.key, db: engine, parley: all.length === 1 ? r : all }
}

/** Prints one scenario's table and returns its JSON summary (printed by the caller). */
export function report(m: Measured, engine: Engine): Record<string, unknown> {
  const json: Record<string, unknown> =
    m.key === 'a' || m.key === 'b'
      ? messageReport(m, engine)
      : m.key === 'c'
        ? idleReport(m, engine)
        : m.key === 'd'
          ? restReport(m, engine)
          : chainsReport(m, engine)
  const startup = median(m.parley[engine]!.map((r) => r.server_ready_ms))
  if (startup != null) json.parley_ready_ms = startup
  return json
}

/**
 * Where a server's CPU goes per stored message, split the same way for every column: the node
 * process without its database, the database (PostgreSQL's backends, or embedded Parley's PGlite
 * thread, which is part of its process), and the two together.
 */
function cpuPerMessage(rs: Result[]): string {
  const s = summarizeMessages(rs)
  const all = s.server_cpu_us_per_msg
  if (all == null) return '—'
  const embeddedDb = s.db_thread_cpu_us_per_msg
  if (embeddedDb != null) return `${fmt(all - embeddedDb)} + ${fmt(embeddedDb)} = ${fmt(all)}`
  const db = s.postgres_cpu_us_per_msg
  return db == null ? `${fmt(all)} + 0 = ${fmt(all)}` : `${fmt(all)} + ${fmt(db)} = ${fmt(all + db)}`
}

/**
 * The table, ready to paste into docs/BENCHMARKS.md: Parley on each engine, the
 * Socket.IO + PostgreSQL peer and the bare `ws` ceiling, for (a), (b) and (c), all from this
 * invocation (the peer and the ceiling are measured once per rep and shared by both engines).
 */
export function markdownTable(all: Measured[], heading: string, reps: number): string {
  const cols: Array<{ name: string; rs: (m: Measured) => Result[]; engine?: Engine }> = [
    { name: 'Parley embedded', rs: (m) => m.parley.embedded ?? [], engine: 'embedded' },
    { name: 'Parley on PostgreSQL', rs: (m) => m.parley.postgres ?? [], engine: 'postgres' },
    { name: 'Socket.IO + pg (peer)', rs: (m) => m.peer },
    { name: 'bare `ws`', rs: (m) => m.ceiling },
  ]
  const lines = [
    `| scenario | ${cols.map((c) => c.name).join(' | ')} |`,
    `| --- |${' --- |'.repeat(cols.length)}`,
  ]
  const row = (label: string, cell: (rs: Result[]) => string, m: Measured) =>
    lines.push(`| ${label} | ${cols.map((c) => (c.rs(m).length ? cell(c.rs(m)) : '—')).join(' | ')} |`)
  const x = (r: number | null) => (r == null ? '—' : `${r.toFixed(2)}×`)
  let lost = 0
  for (const m of all) {
    if (m.key === 'a' || m.key === 'b') {
      const label = m.key === 'a' ? '(a) fan-out 10×100' : '(b) 1,000 pairs'
      row(
        `${label}, delivered/s, p99`,
        (rs) => {
          const s = summarizeMessages(rs)
          lost += s.lost
          return `${fmt(s.delivered_per_s)}, ${fmt(s.p99_ms, 1)} ms`
        },
        m,
      )
      const peer = m.peer.length ? summarizeMessages(m.peer).delivered_per_s : null
      const ceil = m.ceiling.length ? summarizeMessages(m.ceiling).delivered_per_s : null
      row(
        `${m.key === 'a' ? '(a)' : '(b)'} ÷ peer, ÷ bare \`ws\` (throughput)`,
        (rs) => {
          const d = summarizeMessages(rs).delivered_per_s
          return `${x(ratio(d, peer))}, ${x(ratio(d, ceil))}`
        },
        m,
      )
      row(
        `${m.key === 'a' ? '(a)' : '(b)'} CPU µs per stored message: node + database = all`,
        cpuPerMessage,
        m,
      )
      if (m.sendAlone) {
        const alone = (c: (typeof cols)[number]) => {
          const rs = c.rs(m)
          const bound =
            c.engine && rs.length ? sendBound(m.sendAlone?.[c.engine], summarizeMessages(rs)) : null
          return bound ? boundText(bound) : '—'
        }
        lines.push(
          `| (b) \`chat.send_batch\` alone, 32 / 64 messages: ms per call: delivered/s back to back | ${cols.map(alone).join(' | ')} |`,
        )
      }
      row(
        `${m.key === 'a' ? '(a)' : '(b)'} CPU the host took (steal), % of a core`,
        (rs) => {
          const steal = summarizeMessages(rs).host_steal_pct
          return steal == null ? '—' : `${fmt(steal, 1)} %`
        },
        m,
      )
    } else if (m.key === 'c') {
      const n = summarizeIdle([...(m.parley.embedded ?? []), ...(m.parley.postgres ?? [])]).conns_requested
      row(
        `(c) RSS per idle connection (${fmt(n)} conns)`,
        (rs) => {
          const s = summarizeIdle(rs)
          lost += s.conns_requested - s.conns_ok
          return `${fmt(s.rss_per_conn_kib, 1)} KiB`
        },
        m,
      )
      row(
        `(c) reconnect storm of ${fmt(n)}: all back (presence right)`,
        (rs) => {
          const s = summarizeIdle(rs)
          if (s.storm_reconnect_s == null) return '—'
          const presence =
            s.presence_ok == null ? '' : s.presence_ok ? ` (${fmt(s.storm_presence_s, 1)} s)` : ' (NOT right)'
          return `${fmt(s.storm_reconnect_s, 1)} s${presence}`
        },
        m,
      )
    }
  }
  return [
    heading,
    '',
    ...lines,
    '',
    `Medians of ${reps} rep(s), one invocation; lost deliveries and failed connections in all: ${lost}.`,
  ].join('\n')
}
