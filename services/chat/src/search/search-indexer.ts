import type { Logger } from 'pino'

import type { ChatDb } from '../db/schema'
import {
  conversationsBehind,
  hasCatchUpMark,
  indexConversations,
  setCatchUpMark,
} from './search-index.repository'

/** How often a node checks that the index tables were not emptied (a crash of PostgreSQL does). */
const RESET_CHECK_MS = 30_000
/**
 * Transactions a pass may run beyond those its noted conversations need at first. A conversation
 * that filled its share goes again in the same pass; this bound keeps one written faster than it
 * is copied from holding the pass forever (what is left waits for the next pass).
 */
const EXTRA_TRANSACTIONS_PER_PASS = 100

export interface IndexerPace {
  /** How long after a conversation's first unindexed message a pass starts. */
  intervalMs: number
  /**
   * A pass is cut into transactions of at most this many conversations, so that sends come in
   * between: on PGlite every query waits for its one thread, and one copy of 100 conversations
   * held it ~5 ms (25 kept the (b) p95 level with no indexer there; PostgreSQL takes 100).
   */
  conversationsPerTransaction: number
  /**
   * ... and of at most this many messages, shared among its conversations. On PGlite a send waits
   * for the copy running before it: a second of ten busy groups (~2,000 messages) copied in one
   * transaction held the thread 26–52 ms, and that was the p99 of every send behind it.
   */
  messagesPerTransaction: number
}

/** Copies messages of conversations into the index (search-index.repository.ts; tests wrap it). */
export type CopyToIndex = typeof indexConversations

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
    private readonly copy: CopyToIndex = indexConversations,
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
        const page = await conversationsBehind(this.db, after, this.step)
        let todo = page
        while (todo.length && !this.closed) todo = await this.copySome(todo)
        if (page.length < this.step || this.closed) return
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

  /** Conversations per transaction: never more than its messages, so each gets at least one. */
  private get step() {
    return Math.min(this.pace.conversationsPerTransaction, this.pace.messagesPerTransaction)
  }

  /**
   * Copies what is noted, a transaction at a time, in turn: a conversation that filled its share
   * goes to the back of the line.
   */
  private async pass(): Promise<void> {
    const todo = [...this.dirty]
    this.dirty.clear()
    const limit = Math.ceil(todo.length / this.step) + EXTRA_TRANSACTIONS_PER_PASS
    for (let transactions = 0; todo.length && !this.closed && transactions < limit; transactions++) {
      const more = await this.indexSome(todo.splice(0, this.step))
      // The database is failing: the rest waits for the next pass too.
      if (!more) break
      todo.push(...more)
    }
    for (const id of todo) this.dirty.add(id)
    if (this.dirty.size && !this.closed) this.note([])
  }

  /**
   * One transaction over `ids`, each given an equal share of `messagesPerTransaction`. Answers the
   * conversations that filled their share (more may follow), or undefined when the transaction
   * failed (then `ids` are noted again).
   */
  private async indexSome(ids: string[]): Promise<string[] | undefined> {
    try {
      const more = await this.copySome(ids)
      this.failures = 0
      return more
    } catch (err) {
      // Tried again at the next pass; searches meanwhile read these messages directly.
      for (const id of ids) this.dirty.add(id)
      this.failures++
      this.log.warn({ err, conversations: ids.length }, 'search indexing failed; will retry')
      return undefined
    }
  }

  /** `ids` are at most `step`, so each share is at least one message. */
  private async copySome(ids: string[]): Promise<string[]> {
    const share = Math.floor(this.pace.messagesPerTransaction / ids.length)
    const done = await this.copy(this.db, ids, share)
    return done.filter((d) => d.scanned >= share).map((d) => d.conversation_id)
  }

  async close() {
    this.closed = true
    clearTimeout(this.timer)
    clearInterval(this.resetCheck)
    await this.catchingUp
    await this.passing
  }
}
