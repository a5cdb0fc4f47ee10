/**
 * Where a send waits for its ack, per group-commit batch: the histograms' names and stages, declared
 * once for the service (context.ts records them) and for `npm run bench` (scripts/bench/writer-split.ts
 * reads them back from /metrics).
 */
export const SEND_BATCH_SECONDS = 'parley_chat_send_batch_seconds'
export const SEND_BATCH_MESSAGES = 'parley_chat_send_batch_messages'

/**
 * `waited`: how long the batch's oldest send waited for it (the batch before was in flight);
 * `database`: the `chat.send_batch` call, round trip and commit included; `publish`: presenting
 * and publishing the batch.
 */
export const SEND_BATCH_STAGES = ['waited', 'database', 'publish'] as const
export type SendBatchStage = (typeof SEND_BATCH_STAGES)[number]

/** The histograms' counts and sums at one moment, per stage and in all. */
export interface SendBatchReading {
  batches: number
  messages: number
  seconds: Record<SendBatchStage, number>
  counts: Record<SendBatchStage, number>
}

/**
 * The reading in a Prometheus text exposition (GET /metrics), or undefined without the series. A
 * stage not observed yet reads 0.
 */
export function readSendBatches(text: string): SendBatchReading | undefined {
  const lines = text.split('\n')
  const value = (series: string) => {
    const line = lines.find((l) => l.startsWith(series + ' '))
    return line === undefined ? undefined : Number(line.slice(series.length + 1))
  }
  const batches = value(`${SEND_BATCH_MESSAGES}_count`)
  const messages = value(`${SEND_BATCH_MESSAGES}_sum`)
  if (batches === undefined || messages === undefined) return undefined
  const perStage = (part: 'sum' | 'count') =>
    Object.fromEntries(
      SEND_BATCH_STAGES.map((s) => [s, value(`${SEND_BATCH_SECONDS}_${part}{stage="${s}"}`) ?? 0]),
    ) as Record<SendBatchStage, number>
  return { batches, messages, seconds: perStage('sum'), counts: perStage('count') }
}
