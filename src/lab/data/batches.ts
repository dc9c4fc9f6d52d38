// Mini-batches: seeded shuffling, inputs in [0, 1] (value = byte / 255) and
// optional per-channel normalisation (x - mean_c) / std_c.
import type { Split } from './dataset.ts';
import { permutation } from '../../engine/core/random.ts';
import { tensor } from '../../engine/ops/creation.ts';
import type { Tensor } from '../../engine/tensor.ts';

/** Batching of a split: batch size, shuffling (seed, epoch), whether to keep a short last batch, optional per-channel normalisation. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle with permutation(n, seed, stream = 1000 + epoch): the same order on every run and backend. */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** Keep a last batch smaller than batchSize (default true). */
  keepLast?: boolean;
  normalize?: { mean: readonly number[]; std: readonly number[] };
}

/** One batch on the host: inputs [n, C, H, W] flattened, labels and their indices in the split. */
export interface HostBatch {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  /** Indices into the split. */
  index: Int32Array;
}

/** The order of examples in one epoch. */
export function epochOrder(n: number, o: BatchOptions): Int32Array {
  if (!o.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return permutation(n, o.seed ?? 0, 1000 + (o.epoch ?? 0));
}

/** Number of batches of an epoch (the last one may be smaller). */
export function numBatches(n: number, o: BatchOptions): number {
  return o.keepLast === false ? Math.floor(n / o.batchSize) : Math.ceil(n / o.batchSize);
}

/** Gather examples `index` of a split into a float32 batch [n, C, H, W]. */
export function gather(
  s: Split,
  shape: readonly number[],
  index: ArrayLike<number>,
  normalize?: BatchOptions['normalize'],
): HostBatch {
  const [C, H, W] = shape,
    hw = H * W,
    d = C * hw;
  const n = index.length;
  const x = new Float32Array(n * d),
    y = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const i = index[b];
    y[b] = s.y[i];
    const src = i * d,
      dst = b * d;
    if (normalize) {
      for (let c = 0; c < C; c++) {
        const m = normalize.mean[c],
          sd = normalize.std[c];
        for (let k = 0; k < hw; k++) x[dst + c * hw + k] = (s.x[src + c * hw + k] * s.scale - m) / sd;
      }
    } else {
      for (let k = 0; k < d; k++) x[dst + k] = s.x[src + k] * s.scale;
    }
  }
  return { x, y, n, index: Int32Array.from(index) };
}

/** Iterate over the batches of one epoch, starting at batch `from` (for resuming inside an epoch). */
export function* batches(s: Split, shape: readonly number[], o: BatchOptions, from = 0): Generator<HostBatch> {
  const order = epochOrder(s.n, o);
  const nb = numBatches(s.n, o);
  for (let b = from; b < nb; b++) {
    yield gather(s, shape, order.subarray(b * o.batchSize, Math.min((b + 1) * o.batchSize, s.n)), o.normalize);
  }
}

/** Examples start..start+count-1 of a split as an input tensor [count, C, H, W] (in [0, 1]) and labels; e.g. the first 2000 test images. */
export function examples(
  s: Split,
  shape: readonly number[],
  start = 0,
  count = s.n - start,
  normalize?: BatchOptions['normalize'],
): { x: Tensor; y: Uint8Array } {
  if (start < 0 || count < 0 || start + count > s.n)
    throw new Error(`examples: range ${start}..${start + count} is outside the split of ${s.n} examples`);
  const hb = gather(
    s,
    shape,
    Int32Array.from({ length: count }, (_, i) => start + i),
    normalize,
  );
  return { x: tensor(hb.x, [count, ...shape]), y: hb.y };
}
