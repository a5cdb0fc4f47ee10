import type { ServiceModule } from '@parley/platform'

import { attachmentRoutes } from './attachments/attachments.routes'
import { contactsConsumer, invitesLiveConsumer } from './contacts/contacts.consumer'
import { createChatContext } from './context'
import { conversationRoutes } from './conversations/conversations.routes'
import * as createChat from './db/migrations/20261201T000000Z-create-chat'
import * as createSecrets from './db/migrations/20261201T010000Z-create-secrets'
import * as presenceNodes from './db/migrations/20261201T020000Z-presence-nodes'
import * as searchTrigram from './db/migrations/20261201T030000Z-search-trigram'
import * as sendBatchFunction from './db/migrations/20261210T000000Z-send-batch-function'
import * as sendBatchIndexProbes from './db/migrations/20261211T000000Z-send-batch-index-probes'
import * as sendBatchNoSeqscan from './db/migrations/20261212T000000Z-send-batch-no-seqscan'
import * as sendBatchLockOrder from './db/migrations/20261213T000000Z-send-batch-lock-order'
import * as sendBatchAttachments from './db/migrations/20261220T000000Z-send-batch-attachments'
import * as sendBatchAttachmentPrecheck from './db/migrations/20261221T000000Z-send-batch-attachment-precheck'
import * as mentions from './db/migrations/20261230T000000Z-mentions'
import * as notifications from './db/migrations/20261230T000000Z-notifications'
import * as blocksByBlocked from './db/migrations/20261231T000000Z-blocks-by-blocked'
import * as messagesWithoutConversationFk from './db/migrations/20270101T000000Z-messages-without-conversation-fk'
import * as searchIndexSmallPendingList from './db/migrations/20270102T000000Z-search-index-small-pending-list'
import * as searchIndexOffSendPath from './db/migrations/20270103T000000Z-search-index-off-send-path'
import * as searchCopyLargerMerges from './db/migrations/20270104T000000Z-search-copy-larger-merges'
import * as presenceSocketsByUser from './db/migrations/20270105T000000Z-presence-sockets-by-user'
import { healthRoutes } from './health/health.routes'
import { legacyRoutes } from './legacy/legacy.routes'
import { messageRoutes } from './messages/messages.routes'
import { notificationRoutes } from './notifications/notifications.routes'
import { type ChatOptions, defaultChatOptions } from './options'
import { participantRoutes } from './participants/participants.routes'
import { presenceRoutes } from './presence/presence.routes'
import { reactionRoutes } from './reactions/reactions.routes'
import { receiptRoutes } from './receipts/receipts.routes'
import { searchRoutes } from './search/search.routes'
import { syncRoutes } from './sync/sync.routes'
import { ChatSocketServer } from './ws/server'

export { createChatContext } from './context'
export type { ChatOptions } from './options'

export const chatMigrations = {
  '20261201T000000Z-create-chat': createChat,
  '20261201T010000Z-create-secrets': createSecrets,
  '20261201T020000Z-presence-nodes': presenceNodes,
  '20261201T030000Z-search-trigram': searchTrigram,
  '20261210T000000Z-send-batch-function': sendBatchFunction,
  '20261211T000000Z-send-batch-index-probes': sendBatchIndexProbes,
  '20261212T000000Z-send-batch-no-seqscan': sendBatchNoSeqscan,
  '20261213T000000Z-send-batch-lock-order': sendBatchLockOrder,
  '20261220T000000Z-send-batch-attachments': sendBatchAttachments,
  '20261221T000000Z-send-batch-attachment-precheck': sendBatchAttachmentPrecheck,
  '20261230T000000Z-mentions': mentions,
  '20261230T000000Z-notifications': notifications,
  '20261231T000000Z-blocks-by-blocked': blocksByBlocked,
  '20270101T000000Z-messages-without-conversation-fk': messagesWithoutConversationFk,
  '20270102T000000Z-search-index-small-pending-list': searchIndexSmallPendingList,
  '20270103T000000Z-search-index-off-send-path': searchIndexOffSendPath,
  '20270104T000000Z-search-copy-larger-merges': searchCopyLargerMerges,
  '20270105T000000Z-presence-sockets-by-user': presenceSocketsByUser,
}

/**
 * The chat service (SPEC section 6) with tunables; `chatService` is it with the defaults.
 * @example startTestServer([createChatService({ typingTtlMs: 200 })])
 */
export function createChatService(overrides: Partial<ChatOptions> = {}): ServiceModule {
  const options: ChatOptions = { ...defaultChatOptions, ...overrides }
  return {
    name: 'chat',
    schema: 'chat',
    migrations: chatMigrations,
    async create(platform) {
      const ctx = createChatContext(platform, options)
      await ctx.presence.start()
      ctx.searchIndex.start()
      const sockets = new ChatSocketServer(ctx)
      return {
        routes: async (app) => {
          await app.register(healthRoutes())
          await app.register(conversationRoutes(ctx))
          await app.register(participantRoutes(ctx))
          await app.register(receiptRoutes(ctx))
          await app.register(messageRoutes(ctx))
          await app.register(reactionRoutes(ctx))
          await app.register(presenceRoutes(ctx.presence))
          await app.register(syncRoutes(ctx))
          await app.register(searchRoutes(ctx))
          await app.register(attachmentRoutes(ctx))
          await app.register(notificationRoutes(ctx))
          await app.register(legacyRoutes(ctx))
        },
        consumers: [ctx.users.consumer(ctx), contactsConsumer(ctx), invitesLiveConsumer(ctx)],
        attach: (server) => sockets.attach(server),
        async close() {
          // @NOTE Graceful order: commit (and ack) what is queued, then ask clients to reconnect
          // to another node (1012), then stop the background work.
          await ctx.writer.close()
          await sockets.close()
          await ctx.close()
        },
      }
    },
  }
}

export const chatService: ServiceModule = createChatService()
