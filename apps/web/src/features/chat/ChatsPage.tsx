import { useParams } from 'react-router'

import { ChatView } from './ChatView'
import { ConversationList } from './ConversationList'

export function ChatsPage() {
  const { conversationId } = useParams()
  return (
    <main className={`chats ${conversationId ? 'chats--open' : ''}`}>
      <ConversationList />
      {conversationId ? (
        <ChatView key={conversationId} conversationId={conversationId} />
      ) : (
        <section className="chat chat--empty" aria-label="No conversation selected">
          <p className="muted">Pick a conversation, or find people on the People page.</p>
        </section>
      )}
    </main>
  )
}
