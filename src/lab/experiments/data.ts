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

/** Load `name` (synthetic needs no files; real sets are read from ctx.dataDir through src/platform). */
export async function openDataset(ctx: ExperimentContext, name: string): Promise<Dataset> {
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
