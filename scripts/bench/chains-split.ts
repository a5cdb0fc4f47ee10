/**
 * Scenario (e) with the services apart: auth, profile, contacts and chat each as its own
 * `parley serve <service>` process on one PostgreSQL database and one Redis prefix (distributed
 * mode, as deploy/k8s runs them; e2e/split-services.ts starts them), then chains.ts against them.
 *
 *   node --import tsx scripts/bench/chains-split.ts [--chains 1000] [--concurrency 16]
 *   (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; REDIS_URL, default redis://127.0.0.1:6379)
 *
 * Prints chains.ts's JSON line. The database and the Redis keys are removed at the end.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { startSplitServices } from '../../e2e/split-services'
import { option, ROOT } from './options'

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test'
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379'

const split = await startSplitServices(['auth', 'profile', 'contacts', 'chat'])
try {
  const args = ['--import', 'tsx', join(ROOT, 'scripts/bench/chains.ts')]
  args.push(
    '--auth-url',
    split.urls.auth,
    '--contacts-url',
    split.urls.contacts,
    '--chat-url',
    split.urls.chat,
  )
  args.push('--chains', option('chains', '1000')!, '--concurrency', option('concurrency', '16')!)
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  process.exitCode = r.status ?? 1
} finally {
  await split.close()
}
