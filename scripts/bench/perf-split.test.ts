import { describe, expect, it } from 'vitest'

import { eventLoopKind, parsePerfScript, PERF_HZ, perfLines, postgresStage, splitSamples } from './perf-split'

const PG = '/usr/lib/postgresql/15/bin/postgres'
const KERNEL = '[kernel.kallsyms]'

/** A sample as `perf script -F comm,pid,tid,ip,sym,dso` prints it, frames leaf first. */
function sample(head: string, frames: Array<[sym: string, dso: string]>): string {
  return [
    head,
    ...frames.map(([sym, dso], i) => `\t    ${(0x1000 + i).toString(16)} ${sym} (${dso})`),
    '',
  ].join('\n')
}

const SERVER = 4242
const script = [
  // PostgreSQL: a GIN insert inside a function call, a Parse message, a commit's flush, a bare lock wait.
  sample('postgres 900/900 ', [
    ['ginInsertCleanup', PG],
    ['ExecInsert', PG],
    ['plpgsql_exec_function', PG],
    ['PortalRun', PG],
  ]),
  sample('postgres 900/900 ', [
    ['base_yyparse', PG],
    ['raw_parser', PG],
    ['exec_parse_message', PG],
  ]),
  sample('postgres 901/901 ', [
    ['do_fsync', KERNEL],
    ['issue_xlog_fsync', PG],
    ['XLogFlush', PG],
    ['RecordTransactionCommit', PG],
    ['CommitTransaction', PG],
  ]),
  sample('postgres 902/902 ', [['LWLockAcquire', PG]]),
  // The server: a socket write and GC on the event loop, its pglite thread, a V8 helper thread.
  sample(`node ${SERVER}/${SERVER} `, [
    ['tcp_sendmsg', KERNEL],
    ['sock_write_iter', KERNEL],
    ['do_writev', KERNEL],
    ['writev', '/usr/lib/x86_64-linux-gnu/libc.so.6'],
  ]),
  sample(`node ${SERVER}/${SERVER} `, [
    ['v8::internal::Scavenger::ScavengeObject', '/usr/bin/node'],
    ['v8::internal::Heap::Scavenge', '/usr/bin/node'],
  ]),
  sample(`node ${SERVER}/${SERVER} `, [['Builtins_InterpreterEntryTrampoline', '/usr/bin/node']]),
  sample(`pglite ${SERVER}/${SERVER + 3} `, [['[unknown]', '/tmp/perf-4242.map']]),
  sample(`V8 DefaultWorke ${SERVER}/${SERVER + 1} `, [
    ['v8::internal::ConcurrentMarking::Run', '/usr/bin/node'],
  ]),
  // The load generator and an idle CPU.
  sample('node 5000/5000 ', [['Builtins_JSEntry', '/usr/bin/node']]),
  sample('swapper 0/0 ', [['default_idle', KERNEL]]),
].join('\n')

describe('perf split', () => {
  const samples = parsePerfScript(script)

  it('reads every sample with its process, thread (names with spaces too) and frames', () => {
    expect(samples).toHaveLength(11)
    expect(samples[8]).toMatchObject({ comm: 'V8 DefaultWorke', pid: SERVER, tid: SERVER + 1 })
    expect(samples[0].frames.map((f) => f.sym)).toEqual([
      'ginInsertCleanup',
      'ExecInsert',
      'plpgsql_exec_function',
      'PortalRun',
    ])
    expect(samples[4].frames[0]).toEqual({ sym: 'tcp_sendmsg', dso: KERNEL })
  })

  it("puts PostgreSQL's samples in the first stage that matches, anywhere on the stack", () => {
    expect(samples.slice(0, 4).map((s) => postgresStage(s.frames))).toEqual([
      'trigram index (GIN) inserts',
      'parse + analyze',
      'commit + WAL flush',
      'other (memory, locks, transaction start and end)',
    ])
  })

  it('tells planning at Bind from reading the parameters at Bind', () => {
    const bind = (leaf: string, under: string) =>
      postgresStage([leaf, under, 'exec_bind_message', 'PostgresMain'].map((sym) => ({ sym, dso: PG })))
    expect(bind('standard_planner', 'GetCachedPlan')).toBe('plan')
    expect(bind('uuid_in', 'OidInputFunctionCall')).toBe('bind: parameters read (uuid_in, array_in, ...)')
  })

  it("tells the event loop's kernel time by syscall and its user time by GC or not", () => {
    expect(samples.slice(4, 7).map((s) => eventLoopKind(s.frames))).toEqual([
      'socket writes (loopback delivery included)',
      'GC (V8)',
      'JavaScript, V8, libuv',
    ])
  })

  it('counts samples by process, PostgreSQL by stage and the event loop by kind', () => {
    const split = splitSamples(samples, SERVER)
    expect(split.samples).toBe(11)
    expect(split.processes).toEqual({
      PostgreSQL: 4,
      'server event loop': 3,
      'server database thread (pglite)': 1,
      'server other threads': 1,
      'load generator and the rest': 1,
      idle: 1,
    })
    expect(Object.values(split.postgres).reduce((a, b) => a + b)).toBe(4)
    expect(Object.values(split.event_loop).reduce((a, b) => a + b)).toBe(3)
  })

  it('prints shares and CPU µs per stored message', () => {
    const split = splitSamples(samples, SERVER)
    const lines = perfLines('parley b rep 1', split, 1)
    // One PostgreSQL sample of four: 25 %, 1 / PERF_HZ s for the one message.
    const us = ((1 / PERF_HZ) * 1e6).toFixed(1)
    expect(lines).toContainEqual(`     25.0 %  ${us.padStart(7)} µs/msg  trigram index (GIN) inserts`)
    expect(lines[0]).toBe('perf parley b rep 1: 11 samples, 1 messages stored in the window')
  })
})
