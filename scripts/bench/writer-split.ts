/**
 * Where Parley's sends wait for their acks over the measured window, from its /metrics: per
 * group-commit batch, how long its oldest send waited for it, the database call with its commit,
 * and the post-commit publishing (services/chat's `parley_chat_send_batch_*` histograms).
 */
import {
  SEND_BATCH_MESSAGES,
  SEND_BATCH_SECONDS,
  SEND_BATCH_STAGES,
  type SendBatchStage,
} from '../../services/chat/src/messages/send-batch-metrics'
import { windowReadings } from './pg-cpu'

/** The send-batch histograms' counts and sums at one moment. */
export interface SendBatchReading {
  batches: number
  messages: number
  seconds: Record<SendBatchStage, number>
}

/** Means per batch between two readings. */
export interface WriterSplit {
  batches: number
  messagesPerBatch: number
  waitedMs: number
  databaseMs: number
  publishMs: number
}

/** The reading in a Prometheus text exposition, or undefined when it has no send-batch series. */
export function readSendBatches(text: string): SendBatchReading | undefined {
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '))
    return line === undefined ? undefined : Number(line.slice(series.length + 1))
  }
  const batches = value(`${SEND_BATCH_MESSAGES}_count`)
  const messages = value(`${SEND_BATCH_MESSAGES}_sum`)
  if (batches === undefined || messages === undefined) return undefined
  const seconds = Object.fromEntries(
    SEND_BATCH_STAGES.map((s) => [s, value(`${SEND_BATCH_SECONDS}_sum{stage="${s}"}`) ?? 0]),
  ) as Record<SendBatchStage, number>
  return { batches, messages, seconds }
}

export function writerSplit(a: SendBatchReading, b: SendBatchReading): WriterSplit | null {
  const batches = b.batches - a.batches
  if (batches <= 0) return null
  const ms = (s: SendBatchStage) => Math.round((100_000 * (b.seconds[s] - a.seconds[s])) / batches) / 100
  return {
    batches,
    messagesPerBatch: Math.round((10 * (b.messages - a.messages)) / batches) / 10,
    waitedMs: ms('waited'),
    databaseMs: ms('database'),
    publishMs: ms('publish'),
  }
}

export function writerLine(label: string, s: WriterSplit, windowS: number): string {
  return (
    `writer ${label}: ${Math.round(s.batches / windowS)} batches/s of ${s.messagesPerBatch} messages; per batch ` +
    `the oldest send waited ${s.waitedMs} ms, the database call took ${s.databaseMs} ms, publishing ${s.publishMs} ms`
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
