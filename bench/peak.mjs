// The WASM SIMD fp32 ceiling of this machine, measured in the bench's sitting: a
// register-only loop of independent f32x4 chains acc = acc * m + c (f32x4.mul +
// f32x4.add, 8 FLOPs per chain step; plain SIMD has no FMA), run at once on `threads`
// worker threads. Kernels are reported as a fraction of this number.
import { Worker } from 'node:worker_threads';

const CHAINS = 12; // enough independent chains to hide the add/mul latency

/** Bytes of a module exporting run(n: i32) -> f32 (n iterations of CHAINS chains). */
export function peakModuleBytes() {
  const leb = (n) => {
    const b = [];
    do {
      let x = n & 0x7f;
      n >>>= 7;
      if (n) x |= 0x80;
      b.push(x);
    } while (n);
    return b;
  };
  const f32c = (x) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)];
  const simd = (op) => [0xfd, ...leb(op)];
  const splat = simd(0x13),
    add = simd(0xe4),
    mul = simd(0xe6),
    get = (i) => [0x20, i],
    set = (i) => [0x21, i];
  const M = CHAINS + 1,
    C = CHAINS + 2; // local 0: n; 1..CHAINS: accumulators
  const code = [0x01, CHAINS + 2, 0x7b, ...f32c(0.9999999), ...splat, ...set(M), ...f32c(1e-7), ...splat, ...set(C)];
  for (let k = 1; k <= CHAINS; k++) code.push(...f32c(k), ...splat, ...set(k));
  code.push(0x03, 0x40); // loop
  for (let k = 1; k <= CHAINS; k++) code.push(...get(k), ...get(M), ...mul, ...get(C), ...add, ...set(k));
  code.push(...get(0), 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b); // n -= 1; br_if n; end
  code.push(...get(1));
  for (let k = 2; k <= CHAINS; k++) code.push(...get(k), ...add);
  code.push(...simd(0x1f), 0x00, 0x0b); // f32x4.extract_lane 0; end
  const sec = (id, b) => [id, ...leb(b.length), ...b];
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...sec(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...sec(3, [1, 0]),
    ...sec(7, [1, 3, 0x72, 0x75, 0x6e, 0, 0]),
    ...sec(10, [1, ...leb(code.length), ...code]),
  ]);
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { run } = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes)).exports;
run(10000);
parentPort.postMessage('ready');
parentPort.once('message', () => {
  let best = 0;
  for (let r = 0; r < 3; r++) { const t = performance.now(); run(workerData.iters); best = Math.max(best, workerData.iters * ${CHAINS} * 8 / ((performance.now() - t) / 1e3) / 1e9); }
  parentPort.postMessage(best);
});`;

/**
 * GFLOP/s of one thread per CPU-second it received (process.cpuUsage, only this thread
 * busy): the ceiling of one core, nearly independent of other load on a shared machine.
 */
export function measureWasmPeakPerCpu(iters = 4_000_000) {
  const { run } = new WebAssembly.Instance(new WebAssembly.Module(peakModuleBytes())).exports;
  run(10000);
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    run(iters);
    const c = process.cpuUsage(c0);
    best = Math.max(best, (iters * CHAINS * 8) / ((c.user + c.system) / 1e6) / 1e9);
  }
  return best;
}

/** GFLOP/s summed over `threads` threads running the loop at the same time (best of 3 per thread). */
export async function measureWasmPeak(threads, iters = 4_000_000) {
  const bytes = peakModuleBytes();
  const ws = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bytes, iters } }));
  await Promise.all(
    ws.map(
      (w) =>
        new Promise((res, rej) => {
          w.once('message', res);
          w.once('error', rej);
        }),
    ),
  );
  const rates = await Promise.all(
    ws.map(
      (w) =>
        new Promise((res, rej) => {
          w.once('message', res);
          w.once('error', rej);
          w.postMessage('go');
        }),
    ),
  );
  await Promise.all(ws.map((w) => w.terminate()));
  return { gflops: rates.reduce((a, b) => a + b, 0), perThread: rates };
}
