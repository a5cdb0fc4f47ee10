import { describe, expect, it } from 'vitest'

import { readSendBatches } from '../../services/chat/src/messages/send-batch-metrics'
import { writerSplit } from './writer-split'

const exposition = (batches: number, messages: number, waited: number, database: number, publish: number) =>
  [
    '# HELP parley_chat_send_batch_seconds Per message batch',
    '# TYPE parley_chat_send_batch_seconds histogram',
    `parley_chat_send_batch_seconds_bucket{le="0.001",stage="waited"} 3`,
    `parley_chat_send_batch_seconds_sum{stage="waited"} ${waited}`,
    `parley_chat_send_batch_seconds_count{stage="waited"} ${batches}`,
    `parley_chat_send_batch_seconds_sum{stage="database"} ${database}`,
    `parley_chat_send_batch_seconds_count{stage="database"} ${batches}`,
    `parley_chat_send_batch_seconds_sum{stage="publish"} ${publish}`,
    `parley_chat_send_batch_seconds_count{stage="publish"} ${batches}`,
    `parley_chat_send_batch_messages_bucket{le="32"} ${batches}`,
    `parley_chat_send_batch_messages_sum ${messages}`,
    `parley_chat_send_batch_messages_count ${batches}`,
  ].join('\n')

describe('writerSplit', () => {
  it('gives the means per batch between two readings of /metrics', () => {
    const a = readSendBatches(exposition(10, 100, 0.05, 0.04, 0.01))!
    const b = readSendBatches(exposition(210, 6500, 0.85, 1.04, 0.11))!
    expect(writerSplit(a, b)).toEqual({
      batches: 200,
      messagesPerBatch: 32,
      ms: { waited: 4, database: 5, publish: 0.5 },
    })
  })

  it('has nothing to say without batches or without the series', () => {
    const a = readSendBatches(exposition(10, 100, 0.05, 0.04, 0.01))!
    expect(writerSplit(a, a)).toBeNull()
    expect(readSendBatches('process_cpu_seconds_total 3\n')).toBeUndefined()
  })
})
