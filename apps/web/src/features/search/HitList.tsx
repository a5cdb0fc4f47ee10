import { Link } from 'react-router'

import type { MessageHit } from '../../lib/types'
import { useConversations } from '../chat/ConversationList'
import { conversationTitle, useDirectory } from '../chat/directory'
import { shortStamp } from '../chat/format'

/** Where a hit opens: its conversation, scrolled to the message (ChatView reads these params). */
export function hitLink(h: MessageHit): string {
  return `/chats/${h.conversation.id}?message=${h.message.id}&seq=${h.message.seq}`
}

/** Messages found across conversations, each a link to the message in its conversation. */
export function HitList({ hits, label }: { hits: MessageHit[]; label: string }) {
  const dir = useDirectory()
  const conversations = useConversations()
  const titleOf = (h: MessageHit) => {
    const c = conversations.data?.find((x) => x.id === h.conversation.id)
    if (c) return conversationTitle(c, dir)
    return h.conversation.name ?? (h.conversation.type === 'direct' ? 'Direct message' : 'Conversation')
  }
  return (
    <ul className="hits" aria-label={label}>
      {hits.map((h) => {
        const sender = h.message.sender_id === dir.meId ? 'You' : (h.message.sender_name ?? 'Someone')
        const where = titleOf(h)
        return (
          <li key={h.message.id}>
            <Link
              to={hitLink(h)}
              className={`hit ${h.is_unread ? 'hit--unread' : ''}`}
              aria-label={`${sender} in ${where}, ${shortStamp(h.message.created_at)}${h.is_unread ? ', unread' : ''}: ${h.message.content}`}
            >
              <span className="hit__head">
                <span>
                  <strong>{sender}</strong> in {h.conversation.type === 'channel' ? '#' : ''}
                  {where}
                </span>
                <time dateTime={h.message.created_at}>{shortStamp(h.message.created_at)}</time>
              </span>
              {/* Plain text: a link inside this link would be a nested control. */}
              <span className="hit__text">{h.message.content}</span>
            </Link>
          </li>
        )
      })}
    </ul>
  )
}
