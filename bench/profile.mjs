// Where the time of one step goes: wraps every kernel of the backend with a timer and
// runs a workload of bench/workloads.mjs (after one warm-up step), then prints the time
// per kernel and the rest (host-side dispatch, allocation, autograd bookkeeping).
//   node bench/profile.mjs WORKLOAD [--backend wasm] [--steps 3] [--batch N]
// Kernels on the WASM backend run synchronously, so wall time per call is its cost.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workloads } from './workloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const T = await import(join(root, 'dist/src/index.js'));
const argv = process.argv.slice(2);
const flag = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const name = argv[0];
const w = workloads.find((x) => x.name === name);
if (!w) {
  console.error(`usage: node bench/profile.mjs WORKLOAD; workloads: ${workloads.map((x) => x.name).join(', ')}`);
  process.exit(2);
}
const be = await T.getBackend(flag('backend', 'wasm'));
const steps = Number(flag('steps', '3'));
const batch = Number(flag('batch', String(w.batch ?? 1)));

const stats = new Map();
let depth = 0;
const SKIP = new Set(['constructor', 'sync', 'memory', 'terminate', 'threadStats', 'heapBytes', 'peakLiveBytes']);
for (let o = Object.getPrototypeOf(be); o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
  for (const k of Object.getOwnPropertyNames(o)) {
    const f = be[k];
    if (typeof f !== 'function' || SKIP.has(k) || k.startsWith('_') || Object.hasOwn(be, k)) continue;
    be[k] = function (...a) {
      if (depth > 0) return f.apply(this, a); // a helper inside a kernel: counted in the kernel
      depth++;
      const t = performance.now();
      try {
        return f.apply(this, a);
      } finally {
        depth--;
        const s = stats.get(k) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += performance.now() - t;
        stats.set(k, s);
      }
    };
  }
}

const job = w.make(T, be, batch);
job.step();
await be.sync();
stats.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) job.step();
await be.sync();
const total = (performance.now() - t0) / steps;
job.dispose();
const rows = [...stats].map(([k, s]) => [k, s.calls / steps, s.ms / steps]).sort((a, b) => b[2] - a[2]);
const kernels = rows.reduce((a, r) => a + r[2], 0);
console.log(
  `${name}, batch ${batch}, ${be.name}${be.threads ? ` (${be.threads} threads)` : ''}: ${total.toFixed(1)} ms per step (mean of ${steps})`,
);
for (const [k, calls, ms] of rows)
  if (ms >= 0.005 * total)
    console.log(
      `  ${k.padEnd(22)} ${String(calls).padStart(5)} calls  ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`,
    );
console.log(
  `  ${'(other kernels)'.padEnd(22)} ${''.padStart(11)} ${rows
    .filter((r) => r[2] < 0.005 * total)
    .reduce((a, r) => a + r[2], 0)
    .toFixed(1)
    .padStart(8)} ms`,
);
console.log(
  `  ${'host: dispatch, autograd'.padEnd(22)} ${''.padStart(11)} ${(total - kernels).toFixed(1).padStart(8)} ms  ${((100 * (total - kernels)) / total).toFixed(1).padStart(5)}%`,
);
be.terminate?.();
process.exit(0);
