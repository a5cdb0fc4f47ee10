import type { Redis } from 'ioredis'

import type { RateCounters } from '../counters'

// @NOTE One round trip, atomic: the window starts with the first hit and its expiry is never extended.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`

const PEEK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {count, ttl}
`

/**
 * Fixed-window counters shared by every node. A hit while Redis is unreachable throws (and the
 * request answers 503): these guard security limits, which must fail closed.
 */
export class RedisRateCounters implements RateCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number) {
    const [count, resetInMs] = (await this.redis.eval(HIT, 1, `${this.prefix}counter:${key}`, windowMs)) as [
      number,
      number,
    ]
    return { count, resetInMs }
  }

  async peek(key: string) {
    const [count, resetInMs] = (await this.redis.eval(PEEK, 1, `${this.prefix}counter:${key}`)) as [
      number,
      number,
    ]
    return { count, resetInMs }
  }

  async clear(key: string) {
    await this.redis.del(`${this.prefix}counter:${key}`)
  }
}
