// Data for experiments: load a data set by name (src/lab/data) and turn splits into
// float batches in [0, 1].
import type { Dataset, Split } from '../data/dataset.ts';
import { loadDataset } from '../data/registry.ts';
import type { ExperimentContext } from './common.ts';
import type { Batch } from './pipeline.ts';

/** The first `limit` examples of a split as a float batch. */
export function splitToBatch(s: Split, shape: readonly number[], limit?: number): Batch {
  const n = limit === undefined ? s.n : Math.min(limit, s.n);
  const d = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = s.x[i] * s.scale;
  return { x, shape: [n, shape[0], shape[1], shape[2]], labels: Array.from(s.y.subarray(0, n)) };
}

// Long-lived sweep worker processes keep the last few data sets they opened (keepDatasets): the
// cells of a sweep mostly share one, and loading it per cell (generating it: synthetic sets take
// seconds) would dominate small cells. Off by default: one experiment run opens each set once.
let keep = 0;
const kept = new Map<string, Promise<Dataset>>();
export function keepDatasets(n: number): void { keep = n; kept.clear(); }

/** Load `name` (synthetic needs no files; real sets are read from ctx.dataDir through src/platform). */
export function openDataset(ctx: ExperimentContext, name: string): Promise<Dataset> {
  if (!keep) return loadNamed(ctx, name);
  const key = `${ctx.dataDir ?? ''}|${name}`;
  let p = kept.get(key);
  if (!p) {
    if (kept.size >= keep) kept.delete(kept.keys().next().value!);
    p = loadNamed(ctx, name);
    p.catch(() => kept.delete(key));
    kept.set(key, p);
  }
  return p;
}

async function loadNamed(ctx: ExperimentContext, name: string): Promise<Dataset> {
  if (name.startsWith('synthetic')) return loadDataset(name);
  const fs = await import('../platform/fs.ts');
  const dir = fs.resolveDataDir(ctx.dataDir);
  const read = async (p: string): Promise<Uint8Array | null> => {
    const full = p.startsWith('/') ? p : fs.joinPath(dir, p);
    return fs.fileExists(full) ? fs.readBytes(full) : null;
  };
  ctx.log(`data: ${name} from ${dir}`);
  return loadDataset(name, read, 'size');
}
