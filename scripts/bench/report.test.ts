import { describe, expect, it } from 'vitest'

import type { Result } from './loadgen'
import { markdownTable, type Measured, sendBound, summarizeIdle, summarizeMessages } from './report'

const msg = (delivered: number, p99: number, sent: number, server: number, lost = 0): Result => ({
  delivered_per_s: delivered,
  send_rate: sent,
  latency: { p50_ms: p99 / 2, p95_ms: p99 - 1, p99_ms: p99 },
  lost_deliveries: lost,
  conns_requested: 2000,
  conns_ok: 2000,
  cpu_pct: { server, postgres: 50 },
})
const idle = (kib: number, storm: number, presenceOk: boolean | null): Result => ({
  rss_per_conn_kib: kib,
  conns_requested: 100,
  conns_ok: 100,
  connect_s: 1,
  storm: {
    reconnect_s: storm,
    conns_ok: 100,
    presence_s: presenceOk ? storm + 1 : null,
    presence_ok: presenceOk,
  },
})

describe('bench report', () => {
  it('takes medians of the reps and derives CPU per message and per delivery', () => {
    const s = summarizeMessages([msg(3000, 30, 1500, 60), msg(1000, 10, 500, 20), msg(2000, 20, 1000, 40)])
    expect(s.delivered_per_s).toBe(2000)
    expect(s.p99_ms).toBe(20)
    // 40 % of a core over 1,000 stored messages/s = 400 µs each; over 2,000 deliveries/s = 200 µs.
    expect(s.server_cpu_us_per_msg).toBe(400)
    expect(s.server_cpu_us_per_delivery).toBe(200)
    expect(s.postgres_cpu_us_per_msg).toBe(500)
  })

  it("derives the embedded database thread's CPU per message when it was measured", () => {
    const embedded = (db_thread: number) => {
      const r = msg(2000, 20, 1000, 80)
      return { ...r, cpu_pct: { server: 80, db_thread } }
    }
    const s = summarizeMessages([embedded(30), embedded(50), embedded(40)])
    expect(s.db_thread_cpu_pct).toBe(40)
    expect(s.db_thread_cpu_us_per_msg).toBe(400)
    expect(summarizeMessages([msg(2000, 20, 1000, 80)]).db_thread_cpu_us_per_msg).toBeNull()
  })

  it('reports presence as not right when one rep missed it', () => {
    expect(summarizeIdle([idle(8, 5, true), idle(9, 6, false)]).presence_ok).toBe(false)
    expect(summarizeIdle([idle(8, 5, true), idle(9, 6, true)]).presence_ok).toBe(true)
    expect(summarizeIdle([idle(8, 5, null)]).presence_ok).toBeNull()
  })

  it('prints every server per row, the ratios to the peer and the ceiling, and the losses', () => {
    const measured: Measured[] = [
      {
        key: 'b',
        parley: {
          embedded: [{ ...msg(1000, 40, 500, 50), cpu_pct: { server: 50, db_thread: 20 } }],
          postgres: [msg(3000, 20, 1500, 50, 2)],
        },
        peer: [{ ...msg(1500, 25, 750, 30), cpu_pct: { server: 30, postgres: 50, host_steal: 12.5 } }],
        ceiling: [{ ...msg(6000, 5, 3000, 90), cpu_pct: { server: 90, host_steal: 0 } }],
      },
      {
        key: 'c',
        parley: { embedded: [idle(10, 8, true)], postgres: [idle(12, 9, false)] },
        peer: [idle(16, 3, null)],
        ceiling: [idle(7, 2, null)],
      },
    ]
    const md = markdownTable(measured, '## Same sitting, test', 1).split('\n')
    expect(md[2]).toBe(
      '| scenario | Parley embedded | Parley on PostgreSQL | Socket.IO + pg (peer) | bare `ws` |',
    )
    expect(md).toContain(
      '| (b) 1,000 pairs, delivered/s, p99 | 1,000, 40.0 ms | 3,000, 20.0 ms | 1,500, 25.0 ms | 6,000, 5.0 ms |',
    )
    expect(md).toContain(
      '| (b) ÷ peer, ÷ bare `ws` (throughput) | 0.67×, 0.17× | 2.00×, 0.50× | 1.00×, 0.25× | 4.00×, 1.00× |',
    )
    // Embedded, the PGlite thread is part of the process; elsewhere PostgreSQL is beside it.
    expect(md).toContain(
      '| (b) CPU µs per stored message: node + database = all | 600 + 400 = 1,000 | 333 + 333 = 667 | 400 + 667 = 1,067 | 300 + 0 = 300 |',
    )
    // What the hypervisor took while each server ran: unknown where it was not read.
    expect(md).toContain('| (b) CPU the host took (steal), % of a core | — | — | 12.5 % | 0.0 % |')
    expect(md).toContain(
      '| (c) RSS per idle connection (100 conns) | 10.0 KiB | 12.0 KiB | 16.0 KiB | 7.0 KiB |',
    )
    expect(md).toContain(
      '| (c) reconnect storm of 100: all back (presence right) | 8.0 s (9.0 s) | 9.0 s (NOT right) | 3.0 s | 2.0 s |',
    )
    expect(md[md.length - 1]).toContain('lost deliveries and failed connections in all: 2.')
    // Measured without the send statement alone: no row for it.
    expect(md.some((line) => line.includes('chat.send_batch'))).toBe(false)
  })

  it('puts the send statement alone beside (b): what its batches would deliver back to back', () => {
    // 3,000 deliveries of 1,500 stored messages a second: 2 deliveries per message.
    const run = summarizeMessages([msg(3000, 20, 1500, 50)])
    const cost = {
      engine: 'postgres',
      sizes: [
        { messages: 32, ms: 2, calls: 100 },
        { messages: 64, ms: 3.2, calls: 100 },
      ],
    }
    // 32 messages every 2 ms = 16,000 messages/s, 32,000 deliveries/s; 64 every 3.2 ms = 40,000.
    expect(sendBound(cost, run)).toEqual([
      { messages: 32, ms: 2, delivered_per_s_bound: 32_000 },
      { messages: 64, ms: 3.2, delivered_per_s_bound: 40_000 },
    ])
    expect(sendBound(undefined, run)).toBeNull()

    const md = markdownTable(
      [
        {
          key: 'b',
          parley: { postgres: [msg(3000, 20, 1500, 50)] },
          peer: [msg(1500, 25, 750, 30)],
          ceiling: [],
          sendAlone: { postgres: cost },
        },
      ],
      '## Same sitting, test',
      1,
    ).split('\n')
    expect(md).toContain(
      '| (b) `chat.send_batch` alone, 32 / 64 messages: ms per call: delivered/s back to back | — | 2.00 / 3.20 ms: 32,000 / 40,000 | — | — |',
    )
  })
})
