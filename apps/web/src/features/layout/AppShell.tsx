import { Suspense } from 'react'
import { NavLink, Outlet, useNavigate } from 'react-router'

import { signOut, useMe } from '../../app/auth'
import { Avatar } from '../../components/Avatar'
import { displayName } from '../../lib/people'
import { useLivePeople } from '../../realtime/hooks'
import { livePeople } from '../../realtime/people'
import { DoNotDisturbToggle, NotificationsToggle, NotifyBridge } from '../notify/NotifyBridge'
import { disablePush } from '../notify/push'
import { ConnectionStatus } from './ConnectionStatus'

export function AppShell() {
  const me = useMe()
  const navigate = useNavigate()
  useLivePeople()
  const shown = me.data ? livePeople.overlay(me.data, me.data.id) : undefined
  const name = shown ? displayName(shown) : ''
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/chats" className="brand" aria-label="Parley home">
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__text">Parley</span>
        </NavLink>
        <nav aria-label="Main" className="topnav">
          <NavLink to="/chats">Chats</NavLink>
          <NavLink to="/people">People</NavLink>
          <NavLink to="/channels">Channels</NavLink>
          <NavLink to="/profile">Profile</NavLink>
        </nav>
        <div className="topbar__end">
          <ConnectionStatus />
          <NotificationsToggle />
          <DoNotDisturbToggle />
          {me.data && (
            <span className="me" title={`${name} · person ID ${me.data.person_id}`}>
              <Avatar name={name} url={shown?.avatar_url} size={28} />
              <span className="me__name">{name}</span>
            </span>
          )}
          <button
            type="button"
            className="btn btn--ghost"
            onClick={async () => {
              // A signed-out browser must not be pushed this user's messages.
              await Promise.race([disablePush(), new Promise((resolve) => setTimeout(resolve, 1500))])
              await signOut()
              void navigate('/sign-in', { replace: true })
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <NotifyBridge />
      <div id="main" className="shell__main">
        <Suspense
          fallback={
            <p className="muted pad" role="status">
              Loading…
            </p>
          }
        >
          <Outlet />
        </Suspense>
      </div>
    </div>
  )
}
