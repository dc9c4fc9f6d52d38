// Creating tensors. Random tensors are drawn on the host from the counter-based
// generator, so every backend gets the same numbers for the same seed.
import { engine, Tensor, wrap } from '../tensor.ts';
import { checkShape, fmt, sizeOf, type Shape } from '../core/shape.ts';
import { normalArray, uniformArray } from '../core/random.ts';
import type { Backend } from '../backends/backend.ts';

function flatten(v: unknown, out: number[], shape: number[], depth: number): void {
  if (Array.isArray(v)) {
    if (shape.length <= depth) shape.push(v.length);
    else if (shape[depth] !== v.length)
      throw new Error(
        `tensor: ragged nested array (length ${v.length} where ${shape[depth]} was expected at depth ${depth})`,
      );
    for (const x of v) flatten(x, out, shape, depth + 1);
  } else if (typeof v === 'number') {
    if (depth !== shape.length) throw new Error('tensor: ragged nested array');
    out.push(v);
  } else throw new TypeError(`tensor: expected numbers, got ${typeof v}`);
}

/** A tensor from a flat array and shape, or from nested arrays. */
export function tensor(
  values: ArrayLike<number> | unknown[] | number,
  shape?: Shape,
  backend: Backend = engine.backend,
): Tensor {
  if (typeof values === 'number') return wrap(backend.fromArray([values]), shape ?? [], backend);
  let flat: ArrayLike<number> = values as ArrayLike<number>;
  let inferred: number[] = [flat.length];
  if (Array.isArray(values) && values.some((v) => Array.isArray(v))) {
    const out: number[] = [];
    inferred = [];
    flatten(values, out, inferred, 0);
    flat = out;
  }
  const s = shape ?? inferred;
  checkShape('tensor', s);
  if (sizeOf(s) !== flat.length)
    throw new Error(`tensor: ${flat.length} values do not fill shape ${fmt(s)} (${sizeOf(s)} elements)`);
  return wrap(backend.fromArray(flat), s, backend);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, backend: Backend = engine.backend): Tensor {
  checkShape('full', shape);
  return wrap(backend.fill(sizeOf(shape), value), shape, backend);
}
/** A tensor of zeros. */
export const zeros = (shape: Shape, backend?: Backend): Tensor => full(shape, 0, backend);
/** A tensor of ones. */
export const ones = (shape: Shape, backend?: Backend): Tensor => full(shape, 1, backend);
/** A rank-0 tensor holding `v`. */
export const scalar = (v: number, backend?: Backend): Tensor => full([], v, backend);

/** Uniform in [low, high), seeded; `stream` separates independent draws of one seed. */
export function randUniform(shape: Shape, seed: number, low = 0, high = 1, stream = 0, backend?: Backend): Tensor {
  checkShape('randUniform', shape);
  const u = uniformArray(sizeOf(shape), seed, stream);
  for (let i = 0; i < u.length; i++) u[i] = low + (high - low) * u[i];
  return tensor(u, shape, backend);
}

/** Normal(mean, std), seeded. */
export function randNormal(shape: Shape, seed: number, mean = 0, std = 1, stream = 0, backend?: Backend): Tensor {
  checkShape('randNormal', shape);
  const z = normalArray(sizeOf(shape), seed, stream);
  for (let i = 0; i < z.length; i++) z[i] = mean + std * z[i];
  return tensor(z, shape, backend);
}

/** One-hot rows [labels.length, classes]. */
export function oneHot(labels: ArrayLike<number>, classes: number, backend?: Backend): Tensor {
  const d = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= classes)
      throw new Error(`oneHot: label ${y} at position ${i} is not in [0, ${classes})`);
    d[i * classes + y] = 1;
  }
  return tensor(d, [labels.length, classes], backend);
}

/** A copy of t on another backend (reads the data through the host). */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  return tensor(await t.dataF64(), t.shape, backend);
}
