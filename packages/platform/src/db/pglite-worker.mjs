// Runs PGlite on its own thread so that Postgres (compiled to WASM) never stalls the
// main event loop, and so that the database gets the second core. Plain JavaScript on
// purpose: worker threads do not inherit the TypeScript loader under every runner.
import { writeFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { parse, PGlite, protocol, types } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'

const INT8 = 20

// The thread is named `pglite`, so that `top -H` and `ps -L` show the database's own CPU apart from
// the server's (and the bench can place it like the peer's PostgreSQL). Linux only; elsewhere the
// name stays as it was.
try {
  writeFileSync('/proc/thread-self/comm', 'pglite')
} catch {
  // not Linux, or /proc not mounted
}
const db = new PGlite({
  dataDir: workerData.dataDir ?? undefined,
  // @NOTE A committed write must survive kill -9: keep PGlite's strict durability.
  relaxedDurability: false,
  parsers: { [INT8]: (value) => Number(value), [types.NUMERIC]: (value) => value },
  loadDataDir: workerData.template ? new Blob([workerData.template]) : undefined,
  // Trigram indexes (chat message search in any script); PostgreSQL 15 ships the same contrib module.
  extensions: { pg_trgm },
})

function serializeError(err) {
  return {
    message: err?.message ?? String(err),
    code: err?.code,
    constraint: err?.constraint,
    detail: err?.detail,
    table: err?.table,
    column: err?.column,
    schema: err?.schema,
  }
}

db.waitReady.then(
  () => parentPort.postMessage({ id: 0, ready: true }),
  (err) => parentPort.postMessage({ id: 0, error: serializeError(err) }),
)

/** Parameter type OIDs of each statement this session has prepared, by statement name. */
const prepared = new Map()

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Runs `sql` as the named statement `name`, preparing it the first time. PGlite's `query()` sends
 * every statement unnamed, in six calls into WebAssembly (parse, describe, bind, describe, execute,
 * sync): PostgreSQL parses, analyzes and plans it again each time. A named statement is bound and
 * run in one call, with the plan PostgreSQL keeps for it. The main thread decides which texts are
 * hot and their names (auto-prepare.ts, as on PostgreSQL); this thread only keeps the session's.
 */
async function queryNamed(name, sql, params) {
  return db.runExclusive(async () => {
    const { serialize } = protocol
    let types = prepared.get(name)
    if (!types) {
      const described = await db.execProtocolStream(
        concat([
          serialize.parse({ name, text: sql }),
          serialize.describe({ type: 'S', name }),
          serialize.sync(),
        ]),
        { syncToFs: false },
      )
      types = described.find((m) => m.name === 'parameterDescription')?.dataTypeIDs ?? []
      prepared.set(name, types)
    }
    // Values are serialized as `query()` does: by the parameter's type, else as text.
    const values = params.map((value, i) => {
      if (value == null) return null
      const serializer = db.serializers[types[i]]
      return serializer ? serializer(value) : value.toString()
    })
    const messages = await db.execProtocolStream(
      concat([
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      // The data directory is synced after every statement, as `query()` does.
      { syncToFs: true },
    )
    return parse.parseResults(messages, db.parsers, { rowMode: 'array' })[0]
  })
}

parentPort.on('message', async (msg) => {
  try {
    if (msg.op === 'query') {
      // @NOTE Rows as arrays, column names once: copying rows to the main thread is structured
      // cloning, which writes every key of every row object, and this thread is the busy one
      // (the main thread turns them back into objects).
      const result = msg.name
        ? await queryNamed(msg.name, msg.sql, msg.params ?? [])
        : await db.query(msg.sql, msg.params ?? [], { rowMode: 'array' })
      parentPort.postMessage({
        id: msg.id,
        columns: result.fields.map((f) => f.name),
        rows: result.rows,
        affectedRows: result.affectedRows ?? 0,
      })
    } else if (msg.op === 'exec') {
      await db.exec(msg.sql)
      parentPort.postMessage({ id: msg.id, rows: [], affectedRows: 0 })
    } else if (msg.op === 'dump') {
      const blob = await db.dumpDataDir('none')
      const buffer = await blob.arrayBuffer()
      parentPort.postMessage({ id: msg.id, dump: buffer }, [buffer])
    } else if (msg.op === 'close') {
      await db.close()
      parentPort.postMessage({ id: msg.id, rows: [], affectedRows: 0 })
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: serializeError(err) })
  }
})
