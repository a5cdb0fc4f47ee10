import type { ReactNode } from 'react'
import { Link } from 'react-router'

export function AuthLayout({
  title,
  children,
  footer,
}: {
  title: string
  children: ReactNode
  footer?: ReactNode
}) {
  return (
    <main className="auth">
      <div className="auth__card">
        <Link to="/" className="brand" aria-label="Parley home">
          <span className="brand__mark" aria-hidden="true" />
          Parley
        </Link>
        <h1>{title}</h1>
        {children}
        {footer && <div className="auth__footer">{footer}</div>}
      </div>
    </main>
  )
}
