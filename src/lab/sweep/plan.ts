// `ifrlab sweep --plan`: the cells, their dependencies, their state in the store
// and an estimate of their cost. Estimates scale the benchmark numbers in the
// docs/benchmarks.md (npm run bench, WASM backend, one idle core: training FC-2700 2123
// examples/s, BWC d1 c32 4637, BWC d3 437, FWC 12240; PGD on BWC d1 5574
// image-steps/s, about 1.2x the training rate) by model width and input size.
// They are rough (a factor of 2 either way), meant for sizing a cluster job.
import type { Cell } from './cell.ts';
import type { AttackCellConfig, StegoTrainCellConfig, TrainCellConfig } from './kinds.ts';
import type { Store } from './store.ts';

/** Training examples per second of a model spec on 3x32x32 inputs (from the benchmarks). */
function trainRate(spec: string, inputSize: number): number {
  const num = (re: RegExp, d: number): number => Number(re.exec(spec)?.[1] ?? d);
  const depth = num(/-d(\d+)/, 1),
    scale = 3072 / inputSize;
  if (spec.startsWith('fc-')) return (2123 * (2700 / num(/-w(\d+)/, 2700)) * scale) / depth;
  if (spec.startsWith('fwc-')) return (12240 * scale) / depth;
  if (spec.startsWith('bwc-') || spec.startsWith('lc-')) {
    const c = 32 / num(/-c(\d+)/, 32);
    return (depth === 1 ? 4637 * c : 437 * c * c * (3 / depth)) * scale;
  }
  return 50 * scale; // resnets, vgg: far slower; a guess
}

function dataSizes(data: string): { train: number; test: number; input: number } {
  if (data.startsWith('synthetic')) {
    const g = (k: string, d: number) => Number(new RegExp(`${k}=(\\d+)`).exec(data)?.[1] ?? d);
    return { train: g('train', 2000), test: g('test', 400), input: 3072 };
  }
  if (data.startsWith('mnist') || data.startsWith('fashion')) return { train: 60000, test: 10000, input: 784 };
  return { train: 50000, test: 10000, input: 3072 };
}

/** Fixed cost of a cell: loading its data and checkpoints, writing its files (measured on the tiny test sweeps). */
const PER_CELL = 0.5;

/** Estimated seconds of one cell on one core. */
export function estimateSeconds(cell: Cell, byId: Map<string, Cell>): number {
  return PER_CELL + work(cell, byId);
}

function work(cell: Cell, byId: Map<string, Cell>): number {
  if (cell.kind === 'train') {
    const c = cell.config as unknown as TrainCellConfig,
      d = dataSizes(c.data);
    const n = Math.min(c.trainLimit ?? d.train, d.train),
      t = Math.min(c.testLimit ?? d.test, d.test);
    return (c.epochs * (n + t / 3)) / trainRate(c.spec, d.input);
  }
  if (cell.kind === 'stego-train') {
    const c = cell.config as unknown as StegoTrainCellConfig,
      d = dataSizes(c.config.data);
    const n = Math.min(c.config.trainLimit ?? d.train, d.train),
      t = Math.min(c.config.testLimit ?? d.test, d.test);
    return (c.config.epochs * (n + t / 3)) / trainRate(c.run.model.spec, d.input);
  }
  if (cell.kind === 'attack') {
    const c = cell.config as unknown as AttackCellConfig,
      d = dataSizes(c.data);
    const spec = String(byId.get(cell.deps[0])?.config.spec ?? '');
    return (Math.min(c.attackN, d.test) * (c.attack.opts.steps ?? 40)) / (1.2 * trainRate(spec, d.input));
  }
  return cell.kind === 'experiment' || cell.kind === 'dynamics-seed' ? NaN : 0;
}

const fmtSecs = (s: number): string =>
  !Number.isFinite(s)
    ? '?'
    : s < 90
      ? `${s.toFixed(s < 10 ? 1 : 0)} s`
      : s < 5400
        ? `${(s / 60).toFixed(0)} min`
        : `${(s / 3600).toFixed(1)} h`;

export function planText(cells: Cell[], store: Store | null): string {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const short = (id: string) => id.slice(0, 10);
  let total = 0,
    left = 0,
    unknown = 0;
  const lines = cells.map((c) => {
    const est = estimateSeconds(c, byId);
    const state = store ? (store.isDone(c.id) ? 'done' : store.failure(c.id) ? 'failed' : 'todo') : 'todo';
    if (Number.isFinite(est)) {
      total += est;
      if (state !== 'done') left += est;
    } else unknown++;
    return `${short(c.id)}  ${c.kind.padEnd(15)} ${state.padEnd(6)} ${fmtSecs(est).padStart(7)}  ${c.label}${c.deps.length ? `  <- ${c.deps.length > 4 ? `${c.deps.length} cells` : c.deps.map(short).join(' ')}` : ''}`;
  });
  return [
    `${cells.length} cells; estimated ${fmtSecs(total)} of one core in all, ${fmtSecs(left)} still to run (rough: scaled from the benchmark numbers in docs/benchmarks.md)${unknown ? `; no estimate for ${unknown} whole-experiment or dynamics cell${unknown > 1 ? 's' : ''}` : ''}`,
    `${'id'.padEnd(10)}  ${'kind'.padEnd(15)} ${'state'.padEnd(6)} ${'cost'.padStart(7)}  cell  <- needs`,
    ...lines,
  ].join('\n');
}
