// Child process for durability.int.test.ts: inserts rows one transaction at a time and
// prints the id of each row once its commit has been answered.
import { sql } from 'kysely'

import { openDatabase } from './database'

const database = await openDatabase({ dataDir: process.argv[2] })
await sql`create table if not exists acks (id int primary key)`.execute(database.db)
process.stdout.write('ready\n')
for (let id = 1; ; id++) {
  await sql`insert into acks (id) values (${id})`.execute(database.db)
  process.stdout.write(`ack ${id}\n`)
}
