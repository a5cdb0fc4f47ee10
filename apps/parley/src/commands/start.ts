import { defineCommand } from '../cli/command'
import { runServices } from '../run-services'
import { SERVICE_NAMES } from '../services'

export const startCommand = defineCommand({
  name: 'start',
  summary: 'run every service in one process (the default)',
  usage: '',
  description: [
    'Serves the web app, the API and the WebSockets on PORT (8080). Without DATABASE_URL the data',
    'lives in DATA_DIR (./data, embedded PostgreSQL); with DATABASE_URL and REDIS_URL several',
    'nodes can run side by side. Stops cleanly on SIGTERM or Ctrl-C.',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: 0 },
  run: ({ io }) => runServices(SERVICE_NAMES, io),
})
