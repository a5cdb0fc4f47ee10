// Child process for consumer-kill.fault.test.ts: one node whose consumer starts handling an
// event (its transaction open, its effect written but not committed) and then hangs, so the
// parent can kill it with SIGKILL at exactly that point.
import { sql } from 'kysely'

import { loadConfig } from '../config'
import { createPlatform } from '../platform'

const [databaseUrl, redisUrl, prefix, dataDir] = process.argv.slice(2) as [string, string, string, string]
const platform = await createPlatform(
  loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  }),
)
platform.bus.addOutbox('killtest')
platform.bus.subscribe({
  name: 'killtest.effects',
  schema: 'killtest',
  types: ['thing.happened'],
  async handle(event, tx) {
    await sql`insert into killtest.effects (event_id, handled_by) values (${event.id}, 'child')`.execute(
      tx.db,
    )
    process.stdout.write(`handling ${event.id}\n`)
    await new Promise(() => {})
  },
})
platform.bus.start()
process.stdout.write('ready\n')
