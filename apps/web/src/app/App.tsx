import { QueryClientProvider } from '@tanstack/react-query'
import { lazy, type ReactNode, Suspense } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router'

import { ForgotPasswordPage } from '../features/auth/ForgotPasswordPage'
import { OAuthCompletePage } from '../features/auth/OAuthCompletePage'
import { ResetPasswordPage } from '../features/auth/ResetPasswordPage'
import { SignInPage } from '../features/auth/SignInPage'
import { SignUpPage } from '../features/auth/SignUpPage'
import { AppShell } from '../features/layout/AppShell'
import { useSignedIn } from './auth'
import { RealtimeBridge } from './RealtimeBridge'
import { returnPath } from './return-path'
import { queryClient } from './services'

// Each signed-in page is its own chunk: the sign-in page loads without the chat (Markdown, emoji).
const ChatsPage = lazy(() => import('../features/chat/ChatsPage').then((m) => ({ default: m.ChatsPage })))
const PeoplePage = lazy(() =>
  import('../features/people/PeoplePage').then((m) => ({ default: m.PeoplePage })),
)
const ChannelsPage = lazy(() =>
  import('../features/chat/ChannelsPage').then((m) => ({ default: m.ChannelsPage })),
)
const ProfilePage = lazy(() =>
  import('../features/profile/ProfilePage').then((m) => ({ default: m.ProfilePage })),
)
const MentionsPage = lazy(() =>
  import('../features/search/MentionsPage').then((m) => ({ default: m.MentionsPage })),
)
const SearchPage = lazy(() =>
  import('../features/search/SearchPage').then((m) => ({ default: m.SearchPage })),
)
const MailboxPage = lazy(() =>
  import('../features/dev/MailboxPage').then((m) => ({ default: m.MailboxPage })),
)

function Loading() {
  return (
    <p className="muted pad" role="status">
      Loading…
    </p>
  )
}

function RequireAuth({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn()
  const location = useLocation()
  if (!signedIn)
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
  return children
}

/**
 * Signed-in visitors of the sign-in pages go where they were headed (the page that sent them to
 * sign in) or to /chats. The sign-in form navigates to the same place, so whichever of the two
 * runs first, both agree on where the user lands.
 */
function GuestOnly({ children }: { children: ReactNode }) {
  const location = useLocation()
  return useSignedIn() ? <Navigate to={returnPath(location.state)} replace /> : children
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <RealtimeBridge />
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route
              path="/sign-in"
              element={
                <GuestOnly>
                  <SignInPage />
                </GuestOnly>
              }
            />
            <Route path="/login" element={<Navigate to="/sign-in" replace />} />
            <Route
              path="/sign-up"
              element={
                <GuestOnly>
                  <SignUpPage />
                </GuestOnly>
              }
            />
            <Route path="/register" element={<Navigate to="/sign-up" replace />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/oauth/complete" element={<OAuthCompletePage />} />
            <Route path="/dev/mailbox" element={<MailboxPage />} />
            <Route path="/mailbox" element={<MailboxPage />} />
            <Route
              element={
                <RequireAuth>
                  <AppShell />
                </RequireAuth>
              }
            >
              <Route path="/chats" element={<ChatsPage />} />
              <Route path="/chats/:conversationId" element={<ChatsPage />} />
              <Route path="/mentions" element={<MentionsPage />} />
              <Route path="/search" element={<SearchPage />} />
              <Route path="/people" element={<PeoplePage />} />
              <Route path="/channels" element={<ChannelsPage />} />
              <Route path="/profile" element={<ProfilePage />} />
            </Route>
            <Route path="*" element={<Navigate to="/chats" replace />} />
          </Routes>
        </Suspense>
      </BrowserRouter>
    </QueryClientProvider>
  )
}
