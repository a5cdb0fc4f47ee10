import { useInfiniteQuery } from '@tanstack/react-query'

import { errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import { HitList } from './HitList'

/** The messages that mention me, across my conversations, newest first. */
export function MentionsPage() {
  const q = useInfiniteQuery({
    queryKey: ['mentions'],
    queryFn: ({ pageParam }) => chat.mentions(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchOnMount: 'always',
  })
  const hits = q.data?.pages.flatMap((p) => p.results) ?? []
  return (
    <main className="hits-page" aria-labelledby="mentions-title">
      <h1 id="mentions-title">Mentions</h1>
      <p className="muted">Messages that mention you by @name, newest first.</p>
      {q.isPending && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data && hits.length === 0 && <p className="muted">Nobody has mentioned you yet.</p>}
      <HitList hits={hits} label="Mentions" />
      {q.hasNextPage && (
        <button
          type="button"
          className="btn"
          onClick={() => void q.fetchNextPage()}
          disabled={q.isFetchingNextPage}
        >
          {q.isFetchingNextPage ? 'Loading…' : 'Show older mentions'}
        </button>
      )}
    </main>
  )
}
