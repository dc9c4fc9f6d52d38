// Peak WASM heap of BWC1 training: node bench/memory.mjs [--root DIR] [--steps N] [--batch B]
// Runs N SGD steps of the bench's BWC1 model (bench/workloads.mjs of the checkout at --root,
// default this one) at batch B, then a last partial batch and a forward at the evaluation batch
// (500), as an epoch does, on one thread; prints the WASM heap's high-water mark (the linear
// memory it needed) and the process's peak RSS. --root lets one run compare two checkouts.
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname } from 'node:path';

const argv = process.argv.slice(2);
const flag = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const root = resolve(flag('root', join(dirname(fileURLToPath(import.meta.url)), '..')));
const steps = Number(flag('steps', '20')),
  batch = Number(flag('batch', '128'));

const T = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
const { createWasmBackend } = await import(pathToFileURL(join(root, 'dist/src/engine/backends/wasm/index.js')).href);
const { workloads } = await import(pathToFileURL(join(root, 'bench/workloads.mjs')).href);
const be = await createWasmBackend({ threads: 1 });
const w = workloads.find((x) => x.name === 'train_bwc1');
for (const b of [batch, 80]) {
  // 50000 = 390 x 128 + 80
  const job = w.make(T, be, b);
  for (let i = 0; i < (b === batch ? steps : 2); i++) job.step();
  job.dispose();
}
const evalJob = w.make(T, be, 500); // forward + backward at 500 bounds the evaluation forward
evalJob.step();
evalJob.dispose();
const mib = (x) => (x / 2 ** 20).toFixed(1);
const live = be.peakLiveBytes ? `, most live at once ${mib(be.peakLiveBytes())} MiB` : '';
console.log(
  `root ${root}: wasm heap high-water ${mib(be.heapBytes())} MiB${live}, peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
);
be.terminate();
