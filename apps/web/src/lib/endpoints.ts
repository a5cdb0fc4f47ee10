/** Every HTTP call of the web client, by SPEC path. */
import type {
  MuteStateWire,
  NotificationSettingsWire,
  PushSubscriptionWire,
  VapidKeyWire,
} from '@parley/contracts'

import { api } from '../app/services'
import { resultsOf } from './api'
import type {
  Attachment,
  ChatProfile,
  Conversation,
  ConversationType,
  LoginResponse,
  Mail,
  Message,
  MessageHitPage,
  Page,
  Participant,
  Presence,
  Role,
  User,
} from './types'

// ---- auth -------------------------------------------------------------------------------------

export interface RegisterInput {
  email: string
  username: string
  password: string
  first_name?: string
  last_name?: string
  tenant?: string
}

export const auth = {
  register: (body: RegisterInput) => api.post<User>('/api/auth/register/', clean(body), { anonymous: true }),
  login: (body: { email: string; password: string; tenant?: string }) =>
    api.post<LoginResponse>('/api/auth/login/', clean(body), { anonymous: true }),
  logout: (refresh: string) => api.post<void>('/api/auth/logout/', { refresh }),
  me: () => api.get<User>('/api/auth/me/'),
  forgotPassword: (email: string) =>
    api.post<void>('/api/auth/forgot-password/', { email }, { anonymous: true }),
  resetPassword: (token: string, new_password: string) =>
    api.post<unknown>('/api/auth/reset-password/', { token, new_password }, { anonymous: true }),
  changePassword: (old_password: string, new_password: string) =>
    api.post<unknown>('/api/auth/change-password/', { old_password, new_password }),
  removeAvatar: () => api.delete<unknown>('/api/auth/remove-avatar/'),
  mailbox: async () => resultsOf(await api.get<Mail[] | Page<Mail>>('/api/dev/mailbox/')),
}

/** Drop empty optional strings so the API's strict schemas see only what the user typed. */
export function clean<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== '' && v !== undefined)) as T
}

// ---- profile ----------------------------------------------------------------------------------

export interface Profile {
  person_id: string
  email: string
  first_name?: string | null
  last_name?: string | null
  display_name?: string | null
  primary_phone?: string | null
  alternate_phone?: string | null
  gender?: string | null
  date_of_birth?: string | null
  status_message?: string | null
}

export interface Address {
  id: string
  address_type: string
  line1: string
  line2?: string | null
  country: string
  state?: string | null
  city: string
  zip_code?: string | null
  phone_number?: string | null
  is_default?: boolean
}

export interface Card {
  id: string
  card_type: string
  card_brand: string
  card_number_masked: string
  card_holder_name: string
  expiry_month: number
  expiry_year: number
  is_default?: boolean
}

export const profile = {
  get: () => api.get<Profile>('/profiles/profile/'),
  update: (body: Partial<Profile>) => api.patch<Profile>('/profiles/profile/', body),
  addresses: async () =>
    resultsOf(
      await api.get<Address[] | Page<Address>>('/profiles/addresses/', { query: { page_size: 100 } }),
    ),
  createAddress: (body: Omit<Address, 'id'>) => api.post<Address>('/profiles/addresses/', body),
  updateAddress: (id: string, body: Partial<Address>) =>
    api.patch<Address>(`/profiles/addresses/${id}/`, body),
  deleteAddress: (id: string) => api.delete(`/profiles/addresses/${id}/`),
  cards: async () =>
    resultsOf(await api.get<Card[] | Page<Card>>('/profiles/cards/', { query: { page_size: 100 } })),
  createCard: (body: Record<string, unknown>) => api.post<Card>('/profiles/cards/', body),
  updateCard: (id: string, body: Record<string, unknown>) => api.patch<Card>(`/profiles/cards/${id}/`, body),
  deleteCard: (id: string) => api.delete(`/profiles/cards/${id}/`),
}

// ---- contacts ---------------------------------------------------------------------------------

export interface Invite {
  id: string
  status?: string
  created_at?: string
  sender?: ChatProfile
  receiver?: ChatProfile
  recipient?: ChatProfile
  from_user?: ChatProfile
  to_user?: ChatProfile
  sender_person_id?: string
  receiver_person_id?: string
  recipient_person_id?: string
  [key: string]: unknown
}

export interface Contact {
  room_id?: string | null
  created_at?: string
  presence?: string | Presence | null
  contact?: ChatProfile
  user?: ChatProfile
  person?: ChatProfile
  other?: ChatProfile
  [key: string]: unknown
}

export interface Block {
  person_id?: string
  blocked?: ChatProfile
  user?: ChatProfile
  created_at?: string
  [key: string]: unknown
}

/** A person found by the name search, with how I relate to them. */
export interface PersonHit {
  user_id: string
  person_id: string
  username: string | null
  first_name: string
  last_name: string
  display_name: string | null
  avatar_url: string | null
  bio: string
  relationship: 'self' | 'contact' | 'invite_sent' | 'invite_received' | 'blocked' | 'none'
  is_contact: boolean
  is_invited: boolean
  invite_id: string | null
  room_id: string | null
}

export const contacts = {
  myProfile: () => api.get<ChatProfile>('/acac/profile/'),
  updateMyProfile: (body: { bio?: string; status?: string; username?: string; discoverable?: boolean }) =>
    api.patch<ChatProfile>('/acac/profile/', body),
  search: (person_id: string) => api.post<ChatProfile>('/acac/search/', { person_id }),
  /** People of my workspace by name or username (discoverable ones only). */
  searchPeople: (search: string) =>
    api.get<Page<PersonHit>>('/acac/people/', { query: { search, page_size: 20 } }),
  sendInvite: (person_id: string) => api.post<Invite>('/acac/send-invite/', { person_id }),
  received: async () => resultsOf(await api.get<Invite[] | Page<Invite>>('/acac/received-invite/')),
  sent: async () => resultsOf(await api.get<Invite[] | Page<Invite>>('/acac/sent-invites/')),
  cancel: (id: string) => api.delete(`/acac/sent-invites/${id}/`),
  answer: (invite_id: string, accept: boolean) =>
    api.post<unknown>('/acac/accept-invite/', { invite_id, accept }),
  rejected: async () => resultsOf(await api.get<Invite[] | Page<Invite>>('/acac/rejected-invites/')),
  deleteRejected: (invite_id: string) => api.post<unknown>('/acac/rejected-invite-delete/', { invite_id }),
  list: async () =>
    resultsOf(await api.get<Contact[] | Page<Contact>>('/acac/contacts/', { query: { page_size: 100 } })),
  remove: (person_id: string) => api.delete(`/acac/contacts/${person_id}/`),
  blocks: async () =>
    resultsOf(await api.get<Block[] | Page<Block>>('/acac/blocks/', { query: { page_size: 100 } })),
  block: (person_id: string) => api.post<unknown>(`/acac/blocks/${person_id}/`),
  unblock: (person_id: string) => api.delete(`/acac/blocks/${person_id}/`),
}

// ---- chat -------------------------------------------------------------------------------------

export interface HistoryPage {
  messages: Message[]
  hasMore: boolean
}

function toHistory(data: unknown, limit: number): HistoryPage {
  const d = data as
    Message[] | { results?: Message[]; messages?: Message[]; has_more?: boolean; next?: string | null }
  const list = Array.isArray(d) ? d : (d?.results ?? d?.messages ?? [])
  const messages = [...list].sort((a, b) => a.seq - b.seq)
  const hasMore = Array.isArray(d)
    ? messages.length >= limit
    : typeof d?.has_more === 'boolean'
      ? d.has_more
      : d?.next
        ? true
        : messages.length >= limit
  return { messages, hasMore }
}

export const chat = {
  mute: (id: string, muted: boolean) =>
    api.put<MuteStateWire>(`/api/chat/conversations/${id}/mute/`, { muted }),
  notificationSettings: () => api.get<NotificationSettingsWire>('/api/chat/notifications/settings/'),
  updateNotificationSettings: (body: { do_not_disturb: boolean }) =>
    api.put<NotificationSettingsWire>('/api/chat/notifications/settings/', body),
  vapidKey: () => api.get<VapidKeyWire>('/api/chat/push/vapid-public-key/'),
  subscribePush: (body: unknown) => api.post<PushSubscriptionWire>('/api/chat/push/subscriptions/', body),
  unsubscribePush: (id: string) => api.delete(`/api/chat/push/subscriptions/${id}/`),
  conversations: async (search?: string) =>
    resultsOf(
      await api.get<Conversation[] | Page<Conversation>>('/api/chat/conversations/', {
        query: { search, page_size: 100 },
      }),
    ),
  conversation: (id: string) => api.get<Conversation>(`/api/chat/conversations/${id}/`),
  create: (body: { type: ConversationType; name?: string; participant_ids: string[]; is_public?: boolean }) =>
    api.post<Conversation>('/api/chat/conversations/', body),
  update: (id: string, body: { name?: string; topic?: string }) =>
    api.patch<Conversation>(`/api/chat/conversations/${id}/`, body),
  remove: (id: string) => api.delete(`/api/chat/conversations/${id}/`),
  participants: async (id: string) =>
    resultsOf(
      await api.get<Participant[] | Page<Participant>>(`/api/chat/conversations/${id}/participants/`, {
        query: { page_size: 100 },
      }),
    ),
  addParticipant: (id: string, user_id: string, role?: Role) =>
    api.post<Participant>(
      `/api/chat/conversations/${id}/participants/`,
      role ? { user_id, role } : { user_id },
    ),
  setRole: (id: string, userId: string, role: Role) =>
    api.patch<Participant>(`/api/chat/conversations/${id}/participants/${userId}/`, { role }),
  removeParticipant: (id: string, userId: string) =>
    api.delete(`/api/chat/conversations/${id}/participants/${userId}/`),
  publicChannels: async () =>
    resultsOf(await api.get<Conversation[] | Page<Conversation>>('/api/chat/conversations/public/')),
  join: (id: string) => api.post<unknown>(`/api/chat/conversations/${id}/join/`),
  history: async (
    id: string,
    q: { before_seq?: number; after_seq?: number; around_seq?: number; limit?: number; search?: string },
  ) => {
    const limit = q.limit ?? 50
    return toHistory(
      await api.get<unknown>(`/api/chat/conversations/${id}/messages/`, { query: { ...q, limit } }),
      limit,
    )
  },
  send: (
    id: string,
    body: {
      content: string
      message_type?: string
      reply_to?: string
      attachment_ids?: string[]
      client_id?: string
    },
  ) => api.post<Message>(`/api/chat/conversations/${id}/messages/`, body),
  edit: (id: string, messageId: string, content: string) =>
    api.patch<Message>(`/api/chat/conversations/${id}/messages/${messageId}/`, { content }),
  deleteMessage: (id: string, messageId: string) =>
    api.delete<Message | undefined>(`/api/chat/conversations/${id}/messages/${messageId}/`),
  react: (messageId: string, emoji: string) =>
    api.post<unknown>(`/api/chat/messages/${messageId}/reactions/`, { emoji }),
  unreact: (messageId: string, emoji: string) =>
    api.delete(`/api/chat/messages/${messageId}/reactions/${encodeURIComponent(emoji)}/`),
  /** Messages of all my conversations matching every term, newest first (cursor-paged). */
  searchMessages: (q: string, cursor?: string) =>
    api.get<MessageHitPage>('/api/chat/search/messages/', { query: { q, cursor, limit: 20 } }),
  /** Messages that mention me, newest first (cursor-paged). */
  mentions: (cursor?: string) =>
    api.get<MessageHitPage>('/api/chat/mentions/', { query: { cursor, limit: 20 } }),
  read: (id: string, up_to_seq: number) =>
    api.post<unknown>(`/api/chat/conversations/${id}/read/`, { up_to_seq }),
  presence: async (userIds: string[]): Promise<Presence[]> => {
    if (!userIds.length) return []
    const data = await api.get<unknown>('/api/chat/presence/', { query: { user_ids: userIds.join(',') } })
    if (Array.isArray(data)) return data as Presence[]
    const d = data as { results?: Presence[] } & Record<string, unknown>
    if (Array.isArray(d?.results)) return d.results
    // A map keyed by user id.
    return Object.entries(d ?? {}).map(([user_id, v]) =>
      typeof v === 'string'
        ? { user_id, status: v as Presence['status'], last_seen: null }
        : { user_id, ...(v as Omit<Presence, 'user_id'>) },
    )
  },
}

export type { Attachment }
