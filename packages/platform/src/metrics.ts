import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

import type { BusObserver } from './bus/settle'

/** Prometheus metrics of one process; services add their own to `registry`. */
export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  busLag: Gauge
  busDeadLettered: Counter
  /** Seconds from an event's `occurred_at` to its consumer's commit, per consumer (projection lag). */
  busProjectionLag: Histogram<'consumer'>
  /** Seconds a write waited for its events to be handled (read-your-writes, ADR 0012). */
  busSettleWait: Histogram
  busSettleTimeouts: Counter
  fanoutPublishFailures: Counter
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpRequests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    busLag: new Gauge({
      name: 'parley_event_bus_lag',
      help: 'Domain events not yet delivered',
      registers: [registry],
    }),
    busDeadLettered: new Counter({
      name: 'parley_event_bus_dead_lettered_total',
      help: 'Domain events given up after repeated failed deliveries',
      registers: [registry],
    }),
    busProjectionLag: new Histogram({
      name: 'parley_event_projection_lag_seconds',
      help: "Seconds from a domain event's occurred_at to its handling by a consumer, per consumer",
      labelNames: ['consumer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    busSettleWait: new Histogram({
      name: 'parley_event_settle_wait_seconds',
      help: 'Seconds an acknowledged write waited until its events were handled by their consumers',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    }),
    busSettleTimeouts: new Counter({
      name: 'parley_event_settle_timeouts_total',
      help: 'Writes that answered before their events were handled, past the read-your-writes bound',
      registers: [registry],
    }),
    fanoutPublishFailures: new Counter({
      name: 'parley_fanout_publish_failures_total',
      help: 'Realtime fan-out messages that could not be handed to Redis',
      registers: [registry],
    }),
  }
}

/** The bus's read-your-writes and projection-lag reports, as Prometheus metrics. */
export function busObserverOf(metrics: Metrics): BusObserver {
  return {
    handled(consumer, events) {
      const now = Date.now()
      const lag = metrics.busProjectionLag.labels(consumer)
      for (const e of events) lag.observe(Math.max(0, now - Date.parse(e.occurredAt)) / 1000)
    },
    settled(seconds, inTime) {
      metrics.busSettleWait.observe(seconds)
      if (!inTime) metrics.busSettleTimeouts.inc()
    },
  }
}
