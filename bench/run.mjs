// npm run bench [-- --backend wasm,reference] [--json FILE] [--threads N] [--only a,b] [--time S] [--no-peak]
// Runs every workload in bench/workloads.mjs on each backend (by name, through the
// registry) against the compiled dist/, and prints GFLOP/s or examples/s, the ratio
// to the reference backend measured in this same run, and the peers' numbers.
// With the WASM backend it first measures the machine's WASM SIMD peak on the backend's
// thread count (bench/peak.mjs; again at the end, the higher one counts) and shows every
// GFLOP/s row as a fraction of it (and per CPU-second, against one core's peak per
// CPU-second, which holds up on a shared machine); each PGD row has an _unpruned twin (full backward,
// weight gradients included) and the pruning speedup is printed from the two.
// Peers: when /work/shared/bench/peers{,-jaxjs} have node_modules / torch installed,
// pass --run-peers to measure them in this sitting; otherwise their stored
// results-*.json are shown, labelled as numbers from another sitting.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { workloads } from './workloads.mjs';
import { measureWasmPeak, measureWasmPeakPerCpu } from './peak.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const T = await import(join(root, 'dist/src/index.js'));

const argv = process.argv.slice(2);
const flag = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const backends = flag('backend', 'wasm,reference').split(',').filter(Boolean);
const jsonFile = flag('json', null);
const only = flag('only', null)?.split(',');
const minTime = Number(flag('time', '1.0'));
const threads = flag('threads', null);

if (threads) {
  const { createWasmBackend } = await import(join(root, 'dist/src/engine/backends/wasm/index.js'));
  T.registerBackend('wasm', () => createWasmBackend({ threads: Number(threads) }));
}

async function timeIt(be, w, batch) {
  const job = w.make(T, be, batch);
  const per = w.flop ? w.flop / 1e9 : batch;
  const once = async () => {
    const t = performance.now();
    job.step();
    await be.sync();
    return (performance.now() - t) / 1000;
  };
  const first = await once(); // warm-up (also compiles / sizes the allocator)
  const times = [];
  let total = 0;
  let cpu = 0;
  if (first > 4) {
    // slow (reference, or a heavily loaded machine): one timed call after the warm-up
    const c0 = process.cpuUsage();
    times.push(await once());
    const c1 = process.cpuUsage(c0);
    cpu = (c1.user + c1.system) / 1e6;
  } else {
    await once();
    const c0 = process.cpuUsage();
    while (total < minTime || times.length < 3) {
      const s = await once();
      times.push(s);
      total += s;
      if (times.length >= 200) break;
    }
    const c1 = process.cpuUsage(c0);
    cpu = (c1.user + c1.system) / 1e6 / times.length; // CPU seconds per call, all threads of this process
  }
  job.dispose();
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  return { value: per / med, ms: med * 1000, reps: times.length, perCpu: per / cpu };
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

// ---- peers ----
const peerDir = process.env.IFRLAB_PEERS ?? join(root, '../shared/bench');
function readJson(f) {
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null;
  }
}
function peerResults() {
  const out = { sitting: 'stored results from another sitting', torch: null, tfjs: null, jaxjs: null };
  const torchOk = (() => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const tfjsOk = existsSync(join(peerDir, 'peers/node_modules'));
  const jaxOk = existsSync(join(peerDir, 'peers-jaxjs/node_modules'));
  if (argv.includes('--run-peers') && (torchOk || tfjsOk || jaxOk)) {
    out.sitting = 'measured in this sitting';
    const tmp = os.tmpdir();
    if (torchOk) {
      execFileSync('/usr/bin/python3', ['peers_torch.py', '--quick', '--out', join(tmp, 'ifr-torch.json')], {
        cwd: join(peerDir, 'peers'),
        stdio: 'inherit',
      });
      out.torch = readJson(join(tmp, 'ifr-torch.json'));
    }
    if (tfjsOk) {
      execFileSync(process.execPath, ['peers_tfjs.mjs', '--quick', '--no-cpu', '--out', join(tmp, 'ifr-tfjs.json')], {
        cwd: join(peerDir, 'peers'),
        stdio: 'inherit',
      });
      out.tfjs = readJson(join(tmp, 'ifr-tfjs.json'));
    }
    if (jaxOk) {
      execFileSync(process.execPath, ['peers_jaxjs.mjs', '--quick', '--out', join(tmp, 'ifr-jaxjs.json')], {
        cwd: join(peerDir, 'peers-jaxjs'),
        stdio: 'inherit',
      });
      out.jaxjs = readJson(join(tmp, 'ifr-jaxjs.json'));
    }
  }
  out.torch ??= readJson(join(peerDir, 'peers/results-torch.json'));
  out.tfjs ??= readJson(join(peerDir, 'peers/results-tfjs.json'));
  out.jaxjs ??= readJson(join(peerDir, 'peers-jaxjs/results-jaxjs.json'));
  if (!out.torch && !out.tfjs && !out.jaxjs) out.sitting = 'none found';
  return out;
}
const get = (o, path) => path.split('/').reduce((a, k) => (a == null ? undefined : a[k]), o);
/** Peer value paths per workload: [label, source, path]. */
const peerMap = {
  sgemm_1024: [
    ['PyTorch 2t', 'torch', 'threads_2/sgemm/torch/1024x1024x1024/gflops'],
    ['tfjs-wasm', 'tfjs', 'wasm/sgemm/1024x1024x1024/gflops'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/sgemm/jit/1024x1024x1024/gflops'],
  ],
  sgemm_128x3072x2700: [
    ['PyTorch 2t', 'torch', 'threads_2/sgemm/torch/128x3072x2700/gflops'],
    ['tfjs-wasm', 'tfjs', 'wasm/sgemm/128x3072x2700/gflops'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/sgemm/jit/128x3072x2700/gflops'],
  ],
  sgemm_3072x128x2700: [
    ['PyTorch 2t', 'torch', 'threads_2/sgemm/torch/3072x128x2700/gflops'],
    ['tfjs-wasm', 'tfjs', 'wasm/sgemm/3072x128x2700/gflops'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/sgemm/jit/3072x128x2700/gflops'],
  ],
  sgemm_128x2700x3072: [
    ['PyTorch 2t', 'torch', 'threads_2/sgemm/torch/128x2700x3072/gflops'],
    ['tfjs-wasm', 'tfjs', 'wasm/sgemm/128x2700x3072/gflops'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/sgemm/jit/128x2700x3072/gflops'],
  ],
  train_fc_linear: [
    ['PyTorch 2t', 'torch', 'threads_2/train_step/fc_linear/examples_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/train_step_fastgrad/fc_linear/examples_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/train_step/fc_linear/examples_per_s'],
  ],
  train_bwc1: [
    ['PyTorch 2t', 'torch', 'threads_2/train_step/bwc1_circular/examples_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/train_step_fastgrad/bwc1_im2col_circular/examples_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/train_step/bwc1_im2col_circular/examples_per_s'],
  ],
  train_bwc3: [
    ['PyTorch 2t', 'torch', 'threads_2/train_step/bwc3_circular/examples_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/train_step_fastgrad/bwc3_im2col_circular/examples_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/train_step/bwc3_im2col_circular/examples_per_s'],
  ],
  train_fwc: [
    ['PyTorch 2t (fft2)', 'torch', 'threads_2/train_step/fwc_fft2/examples_per_s'],
    ['PyTorch 2t (rfft2)', 'torch', 'threads_2/train_step/fwc_rfft2/examples_per_s'],
  ],
  pgd_fc_relu: [
    ['PyTorch 2t', 'torch', 'threads_2/pgd_step/fc_relu/image_steps_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/pgd_step_fastgrad/fc_relu/image_steps_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/pgd_step/fc_relu/image_steps_per_s'],
  ],
  pgd_bwc1: [
    ['PyTorch 2t', 'torch', 'threads_2/pgd_step/bwc1_circular/image_steps_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/pgd_step_fastgrad/bwc1_im2col_circular/image_steps_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/pgd_step/bwc1_im2col_circular/image_steps_per_s'],
  ],
  train_resnet18: [['PyTorch 2t', 'torch', 'threads_2/train_step/resnet18/examples_per_s']],
  pgd_bwc3: [
    ['PyTorch 2t', 'torch', 'threads_2/pgd_step/bwc3_circular/image_steps_per_s'],
    ['tfjs-wasm', 'tfjs', 'wasm/pgd_step_fastgrad/bwc3_im2col_circular/image_steps_per_s'],
  ],
  pgd_resnet18: [['PyTorch 2t', 'torch', 'threads_2/pgd_step/resnet18/image_steps_per_s']],
  fft2_32: [
    ['PyTorch 2t', 'torch', 'threads_2/fft2/torch_fft2_c64/fft2_per_s'],
    ['fft.js', 'tfjs', 'fftjs/fftjs_fft2_complex/fft2_per_s'],
    ['jax-js 2t', 'jaxjs', 'wasm_2t_relaxed/fft2/jaxjs_fft2_c64/fft2_per_s'],
  ],
};

// ---- run ----
const results = [];
const peers = peerResults();
const bes = {};
for (const name of backends) {
  try {
    bes[name] = await T.getBackend(name);
  } catch (e) {
    console.log(`backend ${name}: not available (${e.message})`);
  }
}
const wasmThreads = bes.wasm?.threads;
console.log(
  `ifrlab bench  node ${process.version}  ${os.cpus().length} cores  load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}` + (wasmThreads ? `  wasm threads ${wasmThreads}` : ''),
);
const peak = { start: 0, end: 0 };
const measurePeak = async () =>
  bes.wasm && !argv.includes('--no-peak') ? (await measureWasmPeak(wasmThreads)).gflops : 0;
peak.start = await measurePeak();
const peakNow = () => Math.max(peak.start, peak.end);
const peakCpu = peak.start ? measureWasmPeakPerCpu() : 0;
if (peak.start)
  console.log(
    `WASM SIMD peak (f32x4 mul+add, this sitting): ${fmt(peak.start)} GFLOP/s on ${wasmThreads} threads; ${fmt(peakCpu)} GFLOP/s per CPU-s (one core)`,
  );
console.log(
  `peers: ${peers.sitting}${peers.sitting.includes('another') ? ' (peers not installed here or --run-peers not given; ratios to them are indicative only)' : ''}`,
);
console.log('');
const header = [
  'workload',
  'unit',
  ...Object.keys(bes),
  ...(bes.wasm ? ['wasm per CPU-s'] : []),
  ...(peak.start ? ['of peak', 'per CPU-s of peak'] : []),
  ...(bes.reference && Object.keys(bes).length > 1 ? ['x ref'] : []),
  'peers (ratio = ours / peer)',
];
const rows = [header];
const mainRows = {}; // the first non-reference backend's rates, for the pruning speedups
const mainName = Object.keys(bes).find((b) => b !== 'reference') ?? 'reference';
for (const w of workloads) {
  if (only && !only.includes(w.name)) continue;
  const vals = {},
    cpuVals = {};
  for (const [name, be] of Object.entries(bes)) {
    const batch = name === 'reference' ? (w.refBatch ?? w.batch) : w.batch;
    try {
      const r = await timeIt(be, w, batch);
      vals[name] = r.value;
      cpuVals[name] = r.perCpu;
      results.push({ name: w.name, backend: name, value: Number(r.value.toPrecision(5)), unit: w.unit });
    } catch (e) {
      vals[name] = NaN;
      console.log(`${w.name} on ${name} failed: ${e.stack ?? e}`);
    }
  }
  const main = vals[mainName];
  const peerCells = (peerMap[w.name] ?? [])
    .map(([label, src, path]) => {
      const v = get(peers[src], path);
      return typeof v === 'number' ? `${label} ${fmt(v)} (${(main / v).toFixed(2)}x)` : null;
    })
    .filter(Boolean)
    .join('; ');
  const row = [
    w.name,
    w.unit,
    ...Object.keys(bes).map((b) => fmt(vals[b])),
    ...(bes.wasm ? [fmt(cpuVals.wasm)] : []),
    ...(peak.start
      ? w.unit === 'GFLOP/s'
        ? [`${((100 * vals.wasm) / peakNow()).toFixed(0)}%`, `${((100 * cpuVals.wasm) / peakCpu).toFixed(0)}%`]
        : ['', '']
      : []),
  ];
  mainRows[w.name] = { wall: main, cpu: cpuVals[mainName] };
  if (bes.reference && Object.keys(bes).length > 1) row.push(`${(main / vals.reference).toFixed(0)}x`);
  row.push(peerCells);
  rows.push(row);
  console.log(row.join('  |  '));
}
if (bes.wasm)
  console.log(
    '\nwasm per CPU-s: the same work divided by the CPU time this process received (all threads; process.cpuUsage),\n' +
      'i.e. the rate one fully available core would give; on a busy shared machine it is the fairer number. Not in --json.',
  );
if (bes.reference)
  console.log(
    `\nreference backend: train/PGD workloads at a smaller batch (refBatch in bench/workloads.mjs); rates are per example.`,
  );
console.log('');
const widths = header.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
for (const r of rows)
  console.log(r.map((c, i) => String(c ?? '').padEnd(i === r.length - 1 ? 0 : widths[i])).join('  '));
peak.end = await measurePeak();
if (peak.start) {
  console.log(
    `\nWASM SIMD peak: ${fmt(peak.start)} GFLOP/s before the workloads, ${fmt(peak.end)} after; "of peak" uses the higher (${fmt(peakNow())}).`,
  );
  results.push({
    name: 'wasm_simd_peak_gflops',
    backend: 'wasm',
    value: Number(peakNow().toPrecision(5)),
    unit: 'GFLOP/s',
    threads: wasmThreads,
  });
  results.push({
    name: 'wasm_simd_peak_gflops_per_cpu_s',
    backend: 'wasm',
    value: Number(peakCpu.toPrecision(5)),
    unit: 'GFLOP/s',
  });
}
const prunePairs = Object.keys(mainRows).filter((n) => mainRows[`${n}_unpruned`]);
if (prunePairs.length)
  console.log(
    `\nbackward pruned to the input (weights require grad, as in \`ifrlab attack\`) vs the full backward, ${mainName}, this run:`,
  );
for (const n of prunePairs) {
  const a = mainRows[n],
    b = mainRows[`${n}_unpruned`];
  console.log(`  ${n}: ${(a.wall / b.wall).toFixed(2)}x faster (wall), ${(a.cpu / b.cpu).toFixed(2)}x per CPU-s`);
  results.push({
    name: `${n}_prune_speedup`,
    backend: mainName,
    value: Number((a.wall / b.wall).toPrecision(3)),
    unit: 'x',
  });
}
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify(results, null, 1));
  console.log(`\nwrote ${results.length} results to ${jsonFile}`);
}
const ts = bes.wasm?.threadStats?.();
if (ts)
  console.log(
    `\nwasm worker: ${ts.workerShares} shares run by the worker, ${ts.takenBack} taken back by the caller (worker not awake in time)`,
  );
for (const be of Object.values(bes)) be.terminate?.();
process.exit(0);
