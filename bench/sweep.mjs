// node bench/sweep.mjs [--cells 4] [--epochs 10] [--no-queue]   (about a minute)
// Sweep overheads on this machine, against the compiled dist/:
//  1. the speed-up of the embedded runner with 1 vs 2 local worker processes on a grid of
//     independent training cells (same data, different seeds);
//  2. the queue's overhead per cell (BullMQ on a redis-server started here on a free port, one
//     worker, one cell at a time): the gap between a cell becoming runnable (enqueued, its
//     children done, or the worker freed) and its start, and the worker's time around the cell's
//     own work (IPC, store checks, lock), against the cell's own seconds (meta.json).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : d;
};
const nCells = Number(flag('cells', '4')),
  epochs = Number(flag('epochs', '10'));
const { gridCells } = await import(join(root, 'dist/src/lab/sweep/grid.js'));
const { runLocal } = await import(join(root, 'dist/src/lab/sweep/local.js'));
const tmp = mkdtempSync(join(tmpdir(), 'ifrlab-bench-sweep-'));
const meta = (dir, id) => JSON.parse(readFileSync(join(dir, 'cells', id, 'meta.json'), 'utf8'));

const trainGrid = gridCells({
  name: 'bench',
  data: 'synthetic:train=512,test=64',
  models: ['bwc-k3-c8-d1-relu'],
  seeds: [...Array(nCells).keys()],
  train: { epochs, batchSize: 64, lr: 0.002 },
  attacks: [{ norm: 'linf', steps: 5, absStepsize: 0.004 }],
  eps: [0.01],
  attackN: 8,
}).filter((c) => c.kind === 'train');

console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (${nCells} train cells, bwc-k3-c8-d1-relu, ${epochs} epochs of 512 synthetic images)`,
);
const wall = {};
for (const w of [1, 2]) {
  const dir = join(tmp, `local-${w}`);
  const s = await runLocal(dir, trainGrid, { workers: w, backend: 'wasm' });
  const work = trainGrid.reduce((a, c) => a + meta(dir, c.id).seconds, 0);
  wall[w] = s.seconds;
  console.log(
    `local, ${w} worker process${w > 1 ? 'es' : ''}: ${s.seconds.toFixed(1)} s wall, ${work.toFixed(1)} s of cell work in all`,
  );
}
console.log(`speed-up 1 -> 2 workers: ${(wall[1] / wall[2]).toFixed(2)}x`);

const redis = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();
if (argv.includes('--no-queue') || !redis) {
  if (!redis) console.log('queue overhead: skipped (redis-server is not on PATH)');
} else {
  const port = await new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
  const srv = spawn(redis, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const q = await import(join(root, 'dist/src/lab/sweep/queue.js'));
  const { Queue } = await import('bullmq');
  for (let i = 0; ; i++) {
    try {
      await q.checkRedis(url, 500);
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    // a chain-shaped grid: train -> attack x 3 eps -> table (one shared parent: two attacks are delayed, soft dependencies)
    const cells = gridCells({
      name: 'bench-q',
      data: 'synthetic:train=512,test=64',
      models: ['fc-w32-d1-linear'],
      train: { epochs: 2, batchSize: 64 },
      attacks: [{ norm: 'linf', steps: 5, absStepsize: 0.004 }],
      eps: [0.01, 0.02, 0.03],
      attackN: 16,
    });
    const dir = join(tmp, 'queue');
    const w = await q.startWorker(url, dir, { concurrency: 1, backend: 'wasm' });
    const t0 = Date.now();
    const { rootId } = await q.submitSweep(url, dir, cells, { name: 'bench-q' });
    await q.waitSweep(url, rootId);
    const total = (Date.now() - t0) / 1000;
    await w.close();
    const queue = new Queue(q.QUEUE_NAME, { connection: { host: '127.0.0.1', port } });
    const jobs = (await queue.getJobs(['completed'], 0, 100))
      .filter((j) => j.name !== 'sweep')
      .sort((a, b) => a.processedOn - b.processedOn);
    const rootJob = await queue.getJob(rootId);
    await queue.close();
    let prevEnd = 0;
    const rows = jobs.map((j) => {
      const cell = j.data.cell,
        m = meta(dir, cell.id);
      const ready = Math.max(
        t0,
        prevEnd,
        ...jobs.filter((k) => cell.deps.includes(k.data.cell.id)).map((k) => k.finishedOn),
      );
      prevEnd = j.finishedOn;
      return {
        label: cell.label,
        gap: (j.processedOn - ready) / 1000,
        around: (j.finishedOn - j.processedOn) / 1000 - m.seconds,
        work: m.seconds,
        attempts: j.attemptsMade,
      };
    });
    for (const r of rows)
      console.log(
        `  ${r.label.padEnd(64)} start gap ${r.gap.toFixed(3)} s, worker overhead ${r.around.toFixed(3)} s, cell work ${r.work.toFixed(3)} s`,
      );
    const lastCell = Math.max(...jobs.map((j) => j.finishedOn));
    const mean = (k) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
    console.log(
      `queue: ${rows.length} cells in ${total.toFixed(1)} s; per cell: start gap ${mean('gap').toFixed(3)} s (delayed soft dependencies included), worker overhead ${mean('around').toFixed(3)} s, own work ${mean('work').toFixed(3)} s; last cell done -> root job done ${((rootJob.finishedOn - lastCell) / 1000).toFixed(3)} s`,
    );
  } finally {
    srv.kill('SIGTERM');
  }
}
rmSync(tmp, { recursive: true, force: true });
