import { useInfiniteQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useSearchParams } from 'react-router'

import { errorMessage } from '../../lib/api'
import { chat } from '../../lib/endpoints'
import { HitList } from './HitList'

/** Message search across all my conversations; a result opens the message in its conversation. */
export function SearchPage() {
  const [params, setParams] = useSearchParams()
  const query = params.get('q')?.trim() ?? ''
  const [text, setText] = useState(query)
  const q = useInfiniteQuery({
    queryKey: ['message-search', query],
    queryFn: ({ pageParam }) => chat.searchMessages(query, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: query.length > 0,
  })
  const hits = q.data?.pages.flatMap((p) => p.results) ?? []
  return (
    <main className="hits-page" aria-labelledby="search-title">
      <h1 id="search-title">Search messages</h1>
      <form
        className="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          if (text.trim()) setParams({ q: text.trim() })
        }}
      >
        <label htmlFor="message-search" className="sr-only">
          Search all conversations
        </label>
        <input
          id="message-search"
          type="search"
          placeholder="Words to find, in any language"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn btn--primary" disabled={!text.trim()}>
          Search
        </button>
      </form>
      {query && q.isPending && (
        <p className="muted" role="status">
          Searching…
        </p>
      )}
      {q.isError && <p role="alert">{errorMessage(q.error)}</p>}
      {q.data && (
        <p className="muted" role="status">
          {hits.length === 0
            ? `No message matches “${query}”.`
            : `${hits.length}${q.hasNextPage ? '+' : ''} message${hits.length === 1 ? '' : 's'} found`}
        </p>
      )}
      <HitList hits={hits} label="Search results" />
      {q.hasNextPage && (
        <button
          type="button"
          className="btn"
          onClick={() => void q.fetchNextPage()}
          disabled={q.isFetchingNextPage}
        >
          {q.isFetchingNextPage ? 'Loading…' : 'Show older results'}
        </button>
      )}
    </main>
  )
}
