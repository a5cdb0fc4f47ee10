/**
 * Chains a frame's `work` after the frames before it, so that their failures are reported in
 * frame order. `work` is already running (its synchronous part kept the order) and may fail while
 * an earlier frame's work is still pending, e.g. a fast "PostgreSQL is starting up" after a slow
 * batch retry: its rejection is handled at once, because an unhandled one ends the process.
 */
export function inOrder(
  queue: Promise<void>,
  work: Promise<void>,
  onError: (err: unknown) => void,
): Promise<void> {
  const outcome = work.then(
    () => undefined,
    (err: unknown) => ({ err }),
  )
  return queue
    .then(() => outcome)
    .then((failed) => {
      if (failed) onError(failed.err)
    })
}
