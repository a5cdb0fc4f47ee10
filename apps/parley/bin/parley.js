#!/usr/bin/env node
// The one process entry. Parley runs from its TypeScript sources through tsx's loader,
// so there is no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api'

// @NOTE tsx's hooks run for every module loaded after they are registered, about a millisecond
// each on Node 20 (they live on another thread). Kysely (~280 files: 0.5 s through the hooks,
// 0.2 s without) and zod (which the start command needs first) load before them. Preloading more
// delays the moment PGlite starts (apps/parley/src/main.ts starts it first) and measured slower:
// ready in 3.2 s (median of 6 alternating starts) with these two, 3.3 s with the 17 largest
// dependencies, 3.25 s with zod alone.
await Promise.all([import('zod'), import('kysely')])

register()
await import('../src/main.ts')
