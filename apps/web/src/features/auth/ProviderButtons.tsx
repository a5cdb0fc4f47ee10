import { useQuery } from '@tanstack/react-query'

import { oauth, providerStartUrl } from './oauth'

/** "Continue with <Name>" for each configured provider; nothing when none is configured. */
export function ProviderButtons({ tenant, returnTo }: { tenant?: string; returnTo?: string }) {
  const providers = useQuery({
    queryKey: ['oauth-providers'],
    queryFn: oauth.providers,
    staleTime: 5 * 60_000,
  })
  if (!providers.data?.length) return null
  return (
    <div className="stack" role="group" aria-label="Other ways to sign in">
      <p className="muted">or</p>
      {providers.data.map((p) => (
        <a key={p.name} className="btn" href={providerStartUrl(p, tenant?.trim() || undefined, returnTo)}>
          Continue with {p.display_name}
        </a>
      ))}
    </div>
  )
}
