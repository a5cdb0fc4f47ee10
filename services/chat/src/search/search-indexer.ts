import type { Logger } from 'pino'

import type { ChatDb } from '../db/schema'
import {
  conversationsBehind,
  hasCatchUpMark,
  indexConversations,
  setCatchUpMark,
} from './search-index.repository'

/** The most messages of one conversation one transaction copies (the rest at the next pass). */
const MESSAGES_PER_CONVERSATION = 1_000
/** How often a node checks that the index tables were not emptied (a crash of PostgreSQL does). */
const RESET_CHECK_MS = 30_000

export interface IndexerPace {
  /** How long after a conversation's first unindexed message a pass starts. */
  intervalMs: number
  /**
   * A pass is cut into transactions of at most this many conversations, so that sends come in
   * between: on PGlite every query waits for its one thread, and one copy of 100 conversations
   * held it ~5 ms (25 kept the (b) p95 level with no indexer there; PostgreSQL takes 100).
   */
  conversationsPerTransaction: number
}

/**
 * Copies new messages into the search index (`chat.message_search`) off the send path: the writer
 * notes the conversations it committed to, and `intervalMs` later a pass copies all of
 * them. A search never waits for it: what is not copied yet is read from the messages themselves
 * (search-index.repository.ts), so the indexer only decides how much of a search the trigram index
 * serves. Nothing here is needed for correctness: a note lost with a stopped node is found at the
 * next start of any node (`start`), or by the conversation's next message; tables emptied by a
 * crash of PostgreSQL (they are unlogged) are found by the check every RESET_CHECK_MS.
 */
export class SearchIndexer {
  private dirty = new Set<string>()
  private timer?: NodeJS.Timeout
  private resetCheck?: NodeJS.Timeout
  private catchingUp?: Promise<void>
  private passing?: Promise<void>
  private closed = false
  /** Passes failed in a row: the next waits longer (the database may be down). */
  private failures = 0

  constructor(
    private readonly db: ChatDb,
    private readonly log: Logger,
    private readonly pace: IndexerPace,
  ) {}

  /** Conversations that have new messages (after their commit). */
  note(conversationIds: Iterable<string>) {
    if (this.closed) return
    for (const id of conversationIds) this.dirty.add(id)
    if (!this.timer && this.dirty.size) {
      const delay = this.pace.intervalMs * 2 ** Math.min(this.failures, 6)
      this.timer = setTimeout(() => void this.flush(), delay)
      this.timer.unref()
    }
  }

  /** Picks up what stopped nodes left behind, in the background, and watches for emptied tables. */
  start() {
    void this.catchUp()
    this.resetCheck = setInterval(() => void this.checkReset(), RESET_CHECK_MS)
    this.resetCheck.unref()
  }

  /** When the index tables were emptied since the last catch-up, copies everything again. */
  async checkReset(): Promise<void> {
    try {
      if (!this.closed && !(await hasCatchUpMark(this.db))) await this.catchUp()
    } catch (err) {
      this.log.warn({ err }, 'search index check failed')
    }
  }

  /** Copies what every conversation has past its mark, a page of conversations at a time. */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      // First the mark: a message committed after it is noted by its writer, one before it is
      // found here.
      await setCatchUpMark(this.db)
      let after: string | undefined
      for (;;) {
        const page = await conversationsBehind(this.db, after, this.pace.conversationsPerTransaction)
        let todo = page
        while (todo.length && !this.closed) {
          const done = await indexConversations(this.db, todo, MESSAGES_PER_CONVERSATION)
          todo = done.filter((d) => d.scanned >= MESSAGES_PER_CONVERSATION).map((d) => d.conversation_id)
        }
        if (page.length < this.pace.conversationsPerTransaction || this.closed) return
        after = page[page.length - 1]
      }
    })()
      .catch((err) =>
        this.log.warn({ err }, 'search index catch-up failed; searches read new messages directly'),
      )
      .finally(() => (this.catchingUp = undefined))
    return this.catchingUp
  }

  /** One pass now over what is noted, after any pass under way; resolves when it has committed. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.passing) await this.passing
    this.passing = this.pass().finally(() => (this.passing = undefined))
    await this.passing
  }

  private async pass(): Promise<void> {
    const ids = [...this.dirty]
    this.dirty.clear()
    const step = this.pace.conversationsPerTransaction
    for (let i = 0; i < ids.length && !this.closed; i += step) {
      if (!(await this.indexSome(ids.slice(i, i + step)))) {
        // The database is failing: the rest waits for the next pass too.
        for (const id of ids.slice(i + step)) this.dirty.add(id)
        break
      }
    }
    if (this.dirty.size && !this.closed) this.note([])
  }

  /** Answers false when the transaction failed (its conversations are noted again). */
  private async indexSome(ids: string[]): Promise<boolean> {
    try {
      const done = await indexConversations(this.db, ids, MESSAGES_PER_CONVERSATION)
      this.failures = 0
      // A conversation with a full page copied may have more past it.
      for (const d of done) if (d.scanned >= MESSAGES_PER_CONVERSATION) this.dirty.add(d.conversation_id)
      return true
    } catch (err) {
      // Tried again at the next pass; searches meanwhile read these messages directly.
      for (const id of ids) this.dirty.add(id)
      this.failures++
      this.log.warn({ err, conversations: ids.length }, 'search indexing failed; will retry')
      return false
    }
  }

  async close() {
    this.closed = true
    clearTimeout(this.timer)
    clearInterval(this.resetCheck)
    await this.catchingUp
    await this.passing
  }
}
