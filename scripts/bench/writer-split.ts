/**
 * Where Parley's sends wait for their acks over the measured window, from its /metrics: per
 * group-commit batch, how long its oldest send waited for it, the database call with its commit,
 * and the post-commit publishing (services/chat's `parley_chat_send_batch_*` histograms).
 */
import {
  readSendBatches,
  SEND_BATCH_STAGES,
  type SendBatchReading,
  type SendBatchStage,
} from '../../services/chat/src/messages/send-batch-metrics'
import { windowReadings } from './window'

/** Means per batch between two readings: messages, and milliseconds per stage. */
export interface WriterSplit {
  batches: number
  messagesPerBatch: number
  ms: Record<SendBatchStage, number>
}

export function writerSplit(a: SendBatchReading, b: SendBatchReading): WriterSplit | null {
  const batches = b.batches - a.batches
  if (batches <= 0) return null
  const ms = Object.fromEntries(
    SEND_BATCH_STAGES.map((s) => [s, Math.round((100_000 * (b.seconds[s] - a.seconds[s])) / batches) / 100]),
  ) as Record<SendBatchStage, number>
  return { batches, messagesPerBatch: Math.round((10 * (b.messages - a.messages)) / batches) / 10, ms }
}

export function writerLine(label: string, s: WriterSplit, windowS: number): string {
  return (
    `writer ${label}: ${Math.round(s.batches / windowS)} batches/s of ${s.messagesPerBatch} messages; per batch ` +
    `the oldest send waited ${s.ms.waited} ms, the database call took ${s.ms.database} ms, publishing ${s.ms.publish} ms`
  )
}

/** The split over the window of a Parley server whose /metrics opens to `token`. */
export function writerWindow(port: number, token: string, startMs: number, endMs: number) {
  const snap = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const reading = readSendBatches(await res.text())
    if (!reading) throw new Error('no send-batch series in /metrics')
    return reading
  }
  return windowReadings(startMs, endMs, snap, writerSplit)
}
