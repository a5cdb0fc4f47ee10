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
