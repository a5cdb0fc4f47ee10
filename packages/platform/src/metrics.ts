import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics of one process; services add their own to `registry`. */
export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  busLag: Gauge
  busDeadLettered: Counter
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
    busLag: new Gauge({ name: 'parley_event_bus_lag', help: 'Domain events not yet delivered', registers: [registry] }),
    busDeadLettered: new Counter({
      name: 'parley_event_bus_dead_lettered_total',
      help: 'Domain events given up after repeated failed deliveries',
      registers: [registry],
    }),
    fanoutPublishFailures: new Counter({
      name: 'parley_fanout_publish_failures_total',
      help: 'Realtime fan-out messages that could not be handed to Redis',
      registers: [registry],
    }),
  }
}
