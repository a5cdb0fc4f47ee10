import { QueryClientProvider } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router'
import { ForgotPasswordPage } from '../features/auth/ForgotPasswordPage'
import { OAuthCompletePage } from '../features/auth/OAuthCompletePage'
import { ResetPasswordPage } from '../features/auth/ResetPasswordPage'
import { SignInPage } from '../features/auth/SignInPage'
import { SignUpPage } from '../features/auth/SignUpPage'
import { ChannelsPage } from '../features/chat/ChannelsPage'
import { ChatsPage } from '../features/chat/ChatsPage'
import { MailboxPage } from '../features/dev/MailboxPage'
import { AppShell } from '../features/layout/AppShell'
import { PeoplePage } from '../features/people/PeoplePage'
import { ProfilePage } from '../features/profile/ProfilePage'
import { useSignedIn } from './auth'
import { RealtimeBridge } from './RealtimeBridge'
import { queryClient } from './services'

function RequireAuth({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn()
  const location = useLocation()
  if (!signedIn)
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
  return children
}

function GuestOnly({ children }: { children: ReactNode }) {
  return useSignedIn() ? <Navigate to="/chats" replace /> : children
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <RealtimeBridge />
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
            <Route path="/people" element={<PeoplePage />} />
            <Route path="/channels" element={<ChannelsPage />} />
            <Route path="/profile" element={<ProfilePage />} />
          </Route>
          <Route path="*" element={<Navigate to="/chats" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  )
}
