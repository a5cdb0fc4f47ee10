import { realtime } from '../../app/services'
import { useConnectionState } from '../../realtime/hooks'

const LABELS = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  closed: 'Disconnected',
} as const

export function ConnectionStatus() {
  const state = useConnectionState()
  return (
    <div className={`conn conn--${state}`}>
      <span className="conn__dot" aria-hidden="true" />
      <span role="status" aria-live="polite" data-state={state} data-testid="connection-status">
        {LABELS[state]}
      </span>
      {(state === 'reconnecting' || state === 'offline') && (
        <button type="button" className="btn btn--link" onClick={() => realtime.reconnectNow()}>
          Reconnect now
        </button>
      )}
    </div>
  )
}
