/** Wire shapes from SPEC.md (snake_case, as sent by the API). Optional fields are the ones the SPEC leaves open. */

export interface User {
  id: string
  person_id: string
  email: string
  username: string
  first_name?: string
  last_name?: string
  avatar_url?: string | null
  tenant_id?: string
  date_joined?: string
}

export interface TokenPair {
  access: string
  refresh: string
}

export interface LoginResponse extends TokenPair {
  user: User
}

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

export interface Mail {
  to: string
  subject: string
  text: string
  created_at: string
}

export interface Attachment {
  id: string
  url: string
  content_type: string
  size: number
  width?: number | null
  height?: number | null
  filename?: string | null
  name?: string | null
}

export type MessageType = 'text' | 'emoji' | 'image' | 'file' | 'system'

export interface Message {
  id: string
  conversation_id: string
  seq: number
  sender_id: string
  sender_person_id?: string
  sender_name?: string
  content: string
  message_type: MessageType
  reply_to?: string | null | { id: string; content?: string; sender_name?: string }
  attachments?: Attachment[]
  reactions?: unknown
  created_at: string
  edited_at?: string | null
  deleted?: boolean
  is_delivered?: boolean
  is_seen?: boolean
  client_id?: string | null
}

export type ConversationType = 'direct' | 'group' | 'channel'
export type Role = 'owner' | 'admin' | 'member'

export interface Participant {
  user_id: string
  person_id?: string
  username?: string
  display_name?: string
  name?: string
  role: Role
  last_read_seq?: number
  last_delivered_seq?: number
  avatar_url?: string | null
}

export interface Conversation {
  id: string
  type: ConversationType
  name?: string | null
  topic?: string | null
  avatar_url?: string | null
  is_public?: boolean
  last_message?: Message | null
  unread_count?: number
  message_count?: number
  last_seq?: number
  created_at?: string
  updated_at?: string
  last_activity_at?: string
  participants?: Participant[]
  my_role?: Role
  role?: Role
  is_read_only?: boolean
  read_only?: boolean
}

export interface ChatProfile {
  user_id?: string
  id?: string
  person_id: string
  username?: string
  email?: string
  bio?: string | null
  status?: string | null
  avatar_url?: string | null
  first_name?: string
  last_name?: string
  display_name?: string
}

export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline'

export interface Presence {
  user_id: string
  status: PresenceStatus
  last_seen?: string | null
}
