// Large 1-D complex FFTs on the WASM backend: node bench/fft1d.mjs [--root DIR] [--threads N] [--time S]
// Prints transforms/s and ns per point for n = 2^8 ... 2^20 at batch 1 (the case the work-sharing
// over batch rows cannot split). --root times another checkout's dist/ for a side-by-side comparison.
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const flag = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const root = resolve(flag('root', join(dirname(fileURLToPath(import.meta.url)), '..')));
const minTime = Number(flag('time', '0.5'));
const { createWasmBackend } = await import(pathToFileURL(join(root, 'dist/src/engine/backends/wasm/index.js')).href);
const be = await createWasmBackend({ threads: Number(flag('threads', '1')) });
const rows = [];
for (const lg of [8, 9, 10, 11, 12, 14, 16, 18, 20]) {
  const n = 2 ** lg,
    x = new Float32Array(2 * n);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
  const xb = be.fromArray(x);
  be.dispose(be.fft(xb, 1, n, false)); // warm-up (twiddles, scratch)
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minTime * 1000) {
    be.dispose(be.fft(xb, 1, n, false));
    reps++;
  }
  const s = (performance.now() - t0) / 1000;
  rows.push(`2^${lg}\t${(reps / s).toFixed(1)}/s\t${((s / reps / n) * 1e9).toFixed(2)} ns/point`);
  be.dispose(xb);
}
console.log(`${root}\n${rows.join('\n')}`);
be.terminate();
