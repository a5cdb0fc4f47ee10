#!/usr/bin/env node
// The one process entry. Parley runs from its TypeScript sources through tsx's loader,
// so there is no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api'

// @NOTE The loader's hooks run for every module loaded after it is registered, about a
// millisecond each on Node 20 (they live on another thread), and these plain-JavaScript
// dependencies are many files (kysely alone ~280: 0.5 s through the hooks, 0.2 s without).
// Loaded first, they are in the module cache when the TypeScript sources import them.
const PRELOAD = [
  'kysely', 'zod', 'fastify', 'fastify-type-provider-zod', 'jose', 'pino', 'prom-client', 'ws',
  '@fastify/cors', '@fastify/helmet', '@fastify/multipart', '@fastify/rate-limit', '@fastify/static',
  '@fastify/swagger', '@fastify/swagger-ui', '@node-rs/argon2', 'openid-client',
]
// A package that cannot be found from here (not hoisted) is simply loaded later, through the hooks.
await Promise.all(PRELOAD.map((name) => import(name).catch(() => undefined)))

register()
await import('../src/main.ts')
