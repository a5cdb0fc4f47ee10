'use strict'
// Parley adapter for ../shared/peers/loadgen/bench.js (`--target <path to this file>`).
// Users and conversations are created before the run by scripts/bench/seed.ts through Parley's
// own services (auth sessions, chat REST API, contact events); this adapter maps the load
// generator's users and rooms onto them:
//   PARLEY_SEED      path of the seed JSON ({ <key>: { users: [{ id, token }], rooms: [conversation id] } })
//   PARLEY_SEED_KEY  which entry (a, b, c)
// Protocol (SPEC section 6): ws://HOST/ws/chat/?token=JWT; the socket carries every conversation
// of its user, so no join is needed; `connection_established` means the membership cache is
// loaded; send_message { conversation_id, content, client_id }; new_message { message: { content } }
// reaches every member's sockets, the sender's included (echo).
const fs = require('fs')
const path = require('path')
const { benchContent } = require(
  path.join(process.env.PEERS_DIR || path.resolve(__dirname, '../../../shared/peers'), 'loadgen/lib/fast'),
)

let rooms = []
let clientSeq = 0
const RUN = Date.now().toString(36)
const PORTS = process.env.PARLEY_PORTS ? process.env.PARLEY_PORTS.split(',').map(Number) : null

module.exports = {
  name: 'parley',
  transport: 'ws',
  echo: true,
  defaultPort: 8000,
  async setup({ users, rooms: nRooms, members, log }) {
    const seed = JSON.parse(fs.readFileSync(process.env.PARLEY_SEED, 'utf8'))[process.env.PARLEY_SEED_KEY]
    if (!seed) throw new Error(`no seed entry ${process.env.PARLEY_SEED_KEY}`)
    if (seed.users.length < users.length || seed.rooms.length < nRooms) {
      throw new Error(
        `seed has ${seed.users.length} users / ${seed.rooms.length} rooms, need ${users.length} / ${nRooms}`,
      )
    }
    users.forEach((u) => {
      u.token = seed.users[u.idx].token
    })
    rooms = seed.rooms
    log(`parley: ${users.length} users, ${nRooms} conversations of ${members} from the seed`)
  },
  // PARLEY_PORTS=8301,8302,8303 (distributed bench): user i connects to node i mod N, so fan-out crosses nodes.
  url(user, o) {
    return `ws://${o.host}:${PORTS ? PORTS[user.idx % PORTS.length] : o.port}/ws/chat/?token=${user.token}`
  },
  onOpen() {},
  onFrame(conn, data) {
    if (data.startsWith('{"type":"new_message"')) {
      const c = benchContent(data)
      if (c) {
        conn.message(c)
        return
      }
    }
    if (
      data.startsWith('{"type":"message_ack"') ||
      data.startsWith('{"type":"delivery_receipt"') ||
      data.startsWith('{"type":"read_receipt"') ||
      data.startsWith('{"type":"presence"') ||
      data.startsWith('{"type":"typing_indicator"')
    )
      return
    const f = JSON.parse(data)
    if (f.type === 'connection_established') conn.ready()
    else if (f.type === 'new_message') conn.message(f.message.content)
    else if (f.type === 'error') conn.error(f)
  },
  join(conn) {
    conn.joined()
  },
  send(conn, room, content) {
    conn.send(
      `{"type":"send_message","conversation_id":"${rooms[room]}","content":"${content}","client_id":"b${RUN}-${++clientSeq}"}`,
    )
  },
}
