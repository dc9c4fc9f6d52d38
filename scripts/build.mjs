// `npm run build`: the three build steps, each announced before it starts (the
// first build takes about 30 s on 2 cores, so silence would look like a hang).
// --quiet prints nothing but errors.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const say = (s) => {
  if (!quiet) process.stderr.write(s);
};
const steps = [
  [
    'WASM kernels (AssemblyScript, src/engine/backends/wasm/kernels; skipped when unchanged, else ~20 s)',
    ['scripts/build-engine.mjs'],
  ],
  ['WGSL kernels (embedded for Node, Deno and browsers)', ['shaders/embed.mjs']],
  ['TypeScript -> dist/ (tsc, ~10-20 s)', [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']],
];
if (!existsSync(join(root, 'node_modules', 'typescript'))) {
  console.error('build: node_modules/ is missing: run `npm install` first');
  process.exit(1);
}
const t0 = Date.now();
for (const [i, [what, args]] of steps.entries()) {
  say(`build [${i + 1}/${steps.length}] ${what} ...\n`);
  const t = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    console.error(`build: step ${i + 1} (${what.split(' (')[0]}) failed${r.status === null ? ` (${r.signal})` : ''}`);
    process.exit(r.status ?? 1);
  }
  if (Date.now() - t > 2000) say(`      done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
say(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
