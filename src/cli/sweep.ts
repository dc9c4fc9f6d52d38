// `ifrlab sweep FILE|EXPERIMENT [--plan] [--workers N] [--queue redis://HOST:6379] --store DIR`
// `ifrlab sweep status --store DIR [--queue URL]`
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseFlags, helpText, DATA_DIR, BACKEND, SEED } from './args.ts';
import { applyOverrides, parseOverrides } from './experiment.ts';
import type { Cell } from '../lab/sweep/cell.ts';

const spec = {
  store: {
    type: 'string',
    help: 'cell store directory (shared by all workers; a network file system on a cluster)',
    required: true,
  },
  plan: {
    type: 'boolean',
    default: false,
    help: 'print the cells, their dependencies, state and estimated cost; run nothing',
  },
  workers: { type: 'number', help: 'local worker processes (default: the cores this machine has)' },
  queue: {
    type: 'string',
    help: 'Redis URL (redis://HOST:6379): enqueue the cells for `ifrlab worker`s instead of running them here',
  },
  detach: { type: 'boolean', default: false, help: 'with --queue: return once the cells are enqueued' },
  scale: { type: 'string', default: 'quick', help: 'experiments: quick | paper' },
  data: { type: 'string', help: "experiments: data set overriding the experiment's default" },
  ...DATA_DIR,
  ...SEED,
  set: { type: 'string', help: "experiments: override top-level config values: 'epochs=6,attackN=200'" },
  ...BACKEND,
  quiet: { type: 'boolean', default: false, help: 'print only the summary' },
} as const;

const USAGE = `${helpText('sweep FILE|EXPERIMENT', spec)}

FILE is a JSON grid (models x data x seeds x attacks x eps, see docs/sweeps.md);
EXPERIMENT is a paper experiment name (table1, fourier-norms, spectra, ...).
ifrlab sweep status --store DIR [--queue URL]   cells waiting, running, done, failed`;

export async function cellsFor(
  target: string,
  f: { scale: string; data?: string; seed: number; set?: string },
): Promise<{ name: string; cells: Cell[] }> {
  if (existsSync(target)) {
    const { checkGrid, gridCells } = await import('../lab/sweep/grid.ts');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(target, 'utf8'));
    } catch (e) {
      throw new Error(`sweep: ${target} is not valid JSON: ${(e as Error).message}`);
    }
    const g = checkGrid(parsed, target);
    return { name: g.name, cells: gridCells(g) };
  }
  const { EXPERIMENTS } = await import('../lab/experiments/index.ts');
  const exp = EXPERIMENTS[target];
  if (!exp)
    throw new Error(
      `sweep: '${target}' is neither a file nor an experiment (experiments: ${Object.keys(EXPERIMENTS).join(', ')})\n\n${USAGE}`,
    );
  if (f.scale !== 'quick' && f.scale !== 'paper')
    throw new Error(`sweep: --scale must be quick or paper, got '${f.scale}'`);
  let cfg = exp.config(f.scale, { data: f.data, seed: f.seed } as never);
  const ov = parseOverrides(f.set);
  if (ov.length) cfg = applyOverrides(target, cfg, ov);
  const { experimentCells } = await import('../lab/sweep/experiments.ts');
  return {
    name: `${target}-${f.scale}`,
    cells: experimentCells(exp, cfg, { scale: f.scale, seed: f.seed, data: f.data }),
  };
}

export async function run(args: string[]): Promise<void> {
  if (args[0] === 'status') return status(args.slice(1));
  const f = parseFlags('sweep', spec, args, 1);
  if (f.help) {
    console.log(USAGE);
    return;
  }
  const target = f._[0];
  if (!target) throw new Error(`sweep: name a grid file or an experiment\n\n${USAGE}`);
  const { name, cells } = await cellsFor(target, f);
  const { Store } = await import('../lab/sweep/store.ts');
  const { topoOrder } = await import('../lab/sweep/cell.ts');
  const order = topoOrder(cells);
  if (f.plan) {
    const { planText } = await import('../lab/sweep/plan.ts');
    console.log(planText(order, new Store(f.store)));
    return;
  }
  const log = f.quiet ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
  if (f.queue) {
    const q = await import('../lab/sweep/queue.ts');
    const { rootId, enqueued } = await q.submitSweep(f.queue, f.store, order, { name });
    if (!rootId) {
      console.log(`sweep ${name}: all ${order.length} cells are done in ${f.store}`);
      return;
    }
    console.log(
      `sweep ${name}: ${enqueued} of ${order.length} cells enqueued on ${f.queue} (root job ${rootId}); start workers with\n  ifrlab worker --queue ${f.queue} --store ${f.store}`,
    );
    if (f.detach) return;
    let last = '';
    const r = await q.waitSweep(f.queue, rootId, (c) => {
      const line = `queue: ${c.completed} completed, ${c.active} running, ${c.waiting + c.prioritized + c.delayed + c['waiting-children']} waiting, ${c.failed} failed`;
      if (line !== last) log(line);
      last = line;
    });
    if (!r.ok)
      throw new Error(
        `sweep ${name} failed: ${r.reason}\n(see: ifrlab sweep status --store ${f.store} --queue ${f.queue})`,
      );
    console.log(`sweep ${name}: done; results in ${f.store}/cells/<id>/result.json`);
    return;
  }
  const { runLocal } = await import('../lab/sweep/local.ts');
  const workers = f.workers ?? availableParallelism();
  const sum = await runLocal(f.store, order, { workers, backend: f.backend, dataDir: f['data-dir'], name, log });
  console.log(
    `sweep ${name}: ${sum.done.length} cells run, ${sum.cached.length} already done, ${sum.failed.length} failed, ${sum.skipped.length} skipped, in ${sum.seconds.toFixed(1)} s with ${workers} worker process${workers > 1 ? 'es' : ''}`,
  );
  const last = order[order.length - 1];
  const store = new Store(f.store);
  if (store.isDone(last.id)) {
    const r = store.result<{ table?: string; summary?: string }>(last.id);
    if (r.table ?? r.summary) console.log(`\n${r.table ?? r.summary}`);
    console.log(`\nresult: ${store.dir(last.id)}/result.json`);
  }
  if (sum.failed.length)
    throw new Error(
      `sweep ${name}: ${sum.failed.length} cell(s) failed:\n${sum.failed.map((x) => `  ${x.label}: ${x.message}`).join('\n')}`,
    );
}

const statusSpec = {
  store: spec.store,
  queue: { type: 'string', help: 'also show the queue at this Redis URL' },
} as const;

async function status(args: string[]): Promise<void> {
  const f = parseFlags('sweep status', statusSpec, args);
  if (f.help) {
    console.log(helpText('sweep status', statusSpec));
    return;
  }
  const { storeStatus } = await import('../lab/sweep/status.ts');
  console.log(storeStatus(f.store));
  if (f.queue) {
    const { queueStatus } = await import('../lab/sweep/queue.ts');
    console.log(`\n${await queueStatus(f.queue)}`);
  }
}
