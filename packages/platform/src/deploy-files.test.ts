import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { validateCompose, validateKubernetes } from '../../../deploy/validate'

const deployDir = join(import.meta.dirname, '../../../deploy')

/** The deployment files cannot run here (no Docker engine, no cluster), so they are checked against their schemas. */
describe('deploy files', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-deploy-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('compose.yaml follows the Compose Specification and puts three nodes behind the proxy', () => {
    expect(validateCompose()).toEqual([])
  })

  it('the Kubernetes manifests follow the Kubernetes schemas and reference each other correctly', () => {
    expect(validateKubernetes()).toEqual([])
  })

  it('reports a broken compose file', () => {
    cpSync(deployDir, join(scratch, 'compose'), { recursive: true })
    const path = join(scratch, 'compose', 'compose.yaml')
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        'stop_grace_period: 30s',
        'stop_grace_period: 30s\n  restart_policy: always',
      ),
    )
    expect(validateCompose(path).join('\n')).toMatch(/additional properties.*restart_policy/)
  })

  it('reports a schema error and a probe pointing at the wrong path in the manifests', () => {
    cpSync(join(deployDir, 'k8s'), join(scratch, 'k8s'), { recursive: true })
    const path = join(scratch, 'k8s', 'deployment.yaml')
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replace('containerPort: 8080', 'containerPort: "eight"')
        .replace('path: /ready', 'path: /healthz'),
    )
    const problems = validateKubernetes(join(scratch, 'k8s')).join('\n')
    expect(problems).toMatch(/containerPort must be integer/)
    expect(problems).toMatch(/readiness probe must GET \/ready/)
  })
})

describe('deploy files: client IPs and /metrics (issue 14, points 1 and 11)', () => {
  const read = (path: string) => readFileSync(join(deployDir, path), 'utf8')

  it('compose and k8s trust exactly one proxy hop and serve /metrics on a port of its own', () => {
    expect(read('compose.yaml')).toMatch(/TRUST_PROXY: ['"]1['"]/)
    expect(read('compose.yaml')).toMatch(/METRICS_PORT: ['"]9090['"]/)
    expect(read('k8s/configmap.yaml')).toMatch(/TRUST_PROXY: ['"]1['"]/)
    expect(read('k8s/configmap.yaml')).toMatch(/METRICS_PORT: ['"]9090['"]/)
  })

  it('routes nothing public to /metrics: Caddy refuses it, the Service and Ingress only carry the http port', () => {
    expect(read('Caddyfile')).toMatch(/respond \/metrics\* 404/)
    expect(read('compose.yaml')).not.toMatch(/9090:9090/)
    expect(read('k8s/service.yaml')).not.toMatch(/9090|metrics/)
    expect(read('k8s/ingress.yaml')).toMatch(/name: http\b/)
    expect(read('k8s/ingress.yaml')).not.toMatch(/metrics/)
  })
})
