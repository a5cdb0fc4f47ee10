'use strict'
// Summarizes a .cpuprofile (node --cpu-prof): top functions by self time, and self time by file.
//   node scripts/bench/profile-summary.cjs <file.cpuprofile> [top=30]
const fs = require('fs')
const prof = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const top = Number(process.argv[3] || 30)
const dt = new Map()
const ts = prof.timeDeltas
for (let i = 0; i < prof.samples.length; i++)
  dt.set(prof.samples[i], (dt.get(prof.samples[i]) || 0) + (ts[i] || 0))
const total = [...dt.values()].reduce((a, b) => a + b, 0)
const byFn = new Map(),
  byFile = new Map()
for (const n of prof.nodes) {
  const t = dt.get(n.id) || 0
  if (!t) continue
  const cf = n.callFrame
  const file = (cf.url || '(native)')
    .replace(/^.*node_modules\//, 'nm/')
    .replace(/^file:\/\/\/work\/main\//, '')
  const k = `${cf.functionName || '(anon)'} ${file}:${cf.lineNumber + 1}`
  byFn.set(k, (byFn.get(k) || 0) + t)
  const fk = file.startsWith('nm/')
    ? file
        .split('/')
        .slice(0, file.split('/')[1].startsWith('@') ? 3 : 2)
        .join('/')
    : file
  byFile.set(fk, (byFile.get(fk) || 0) + t)
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + ' %'
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`)
console.log('--- self time by function')
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(t), k)
console.log('--- self time by file / package')
for (const [k, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(t), k)
