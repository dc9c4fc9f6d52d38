// Direct vs im2col+SGEMM forward convolution on the WASM backend, per shape,
// interleaved in one run (ratios are robust to a noisy machine):
//   npm run build && node bench/conv-algos.mjs [--threads N] [--grad-input | --grad-filter]
// (--grad-input / --grad-filter time that gradient instead of the forward conv)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const T = await import(join(root, 'dist/src/index.js'));
const { createWasmBackend } = await import(join(root, 'dist/src/engine/backends/wasm/index.js'));
const i = process.argv.indexOf('--threads');
const be = await createWasmBackend(i > 0 ? { threads: Number(process.argv[i + 1]) } : {});
const shapes = [
  ['BWC1 layer 1: 128x3x32x32 -> 32, 3x3 circular', [128, 3, 32, 32], [32, 3, 3, 3], 'circular'],
  ['BWC3 layer 2: 128x32x32x32 -> 32, 3x3 circular', [128, 32, 32, 32], [32, 32, 3, 3], 'circular'],
  ['5x5 zero: 64x16x28x28 -> 32', [64, 16, 28, 28], [32, 16, 5, 5], 'zero'],
  ['1-channel 28x28 -> 16, 3x3 zero', [128, 1, 28, 28], [16, 1, 3, 3], 'zero'],
];
const rnd = (shape, seed) => T.randUniform(shape, seed, -1, 1, 0, be);
console.log(
  `wasm threads ${be.threads}; ms per ${process.argv.includes('--grad-input') ? 'input-gradient' : process.argv.includes('--grad-filter') ? 'filter-gradient' : 'forward'} conv (median of interleaved reps)`,
);
for (const [label, xs, ws, mode] of shapes) {
  const x = rnd(xs, 1),
    w = rnd(ws, 2);
  const k = ws[2];
  const cp = T.convParams('conv2d', x, k, k, ws[0], ws[1], { padding: (k - 1) / 2, mode });
  const g = rnd([xs[0], ws[0], cp.Ho, cp.Wo], 3);
  const kernel = process.argv.includes('--grad-input')
    ? () => be.dispose(be.conv2dGradInput(g.buffer, w.buffer, cp))
    : process.argv.includes('--grad-filter')
      ? () => be.dispose(be.conv2dGradFilter(x.buffer, g.buffer, cp))
      : () => T.conv2d(x, w, null, { padding: (k - 1) / 2, mode }).dispose();
  const run = (algo) => {
    be.convAlgo = algo;
    const t = performance.now();
    kernel();
    return performance.now() - t;
  };
  const runCpu = (algo) => {
    be.convAlgo = algo;
    const c0 = process.cpuUsage();
    kernel();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  run('direct');
  run('im2col');
  const t = { direct: [], im2col: [] },
    cpu = { direct: [], im2col: [] };
  for (let r = 0; r < 9; r++)
    for (const a of ['direct', 'im2col']) {
      t[a].push(run(a));
      cpu[a].push(runCpu(a));
    }
  const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
  const d = med(t.direct),
    m = med(t.im2col);
  const gf = (ms) => ((2 * xs[0] * ws[0] * xs[2] * xs[3] * ws[1] * k * k) / ms / 1e6).toFixed(1);
  console.log(
    `${label.padEnd(50)} direct ${d.toFixed(2)} ms (${gf(d)} GFLOP/s)  im2col ${m.toFixed(2)} ms (${gf(m)} GFLOP/s)  direct/im2col time ${(d / m).toFixed(2)}, CPU time ${(med(cpu.direct) / med(cpu.im2col)).toFixed(2)}`,
  );
  x.dispose();
  w.dispose();
  g.dispose();
}
be.convAlgo = 'auto';
be.terminate();
