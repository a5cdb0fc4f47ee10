import { defineCommand, UsageError } from '../cli/command'
import { runServices } from '../run-services'
import { SERVICE_NAMES, type ServiceName } from '../services'

export const serveCommand = defineCommand({
  name: 'serve',
  summary: `run only these services (${SERVICE_NAMES.join(', ')})`,
  usage: '<service>...',
  description: [
    'For a split deployment: each process serves some services, and a gateway node forwards the',
    'others (UPSTREAM_<SERVICE>_URL). Without a service, serves all of them like `parley start`.',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: SERVICE_NAMES.length },
  run: ({ positionals, io }) => {
    const names = positionals.length ? positionals : [...SERVICE_NAMES]
    const unknown = names.filter((n) => !SERVICE_NAMES.includes(n as ServiceName))
    if (unknown.length) {
      throw new UsageError(
        `serve: no service "${unknown.join('", "')}" (choose from ${SERVICE_NAMES.join(', ')}). Run \`parley serve --help\`.`,
      )
    }
    return runServices(names as ServiceName[], io)
  },
})
