// Layout ops: reshape (a zero-copy view), transpose, broadcast, slice, pad, concat.
import type { PadMode } from '../backends/backend.ts';
import { needsGrad, record, Tensor, wrap } from '../tensor.ts';
import {
  broadcastShapes,
  checkShape,
  fmt,
  normAxis,
  sameShape,
  ShapeError,
  sizeOf,
  type Shape,
} from '../core/shape.ts';
import { backendOf } from './util.ts';
import { add } from './elementwise.ts';
import { sumTo } from './reduce.ts';

/** Same data, new shape (one dimension may be -1). Shares the buffer. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const be = backendOf('reshape', x);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0)
      throw new ShapeError('reshape', `only one dimension may be -1, got ${fmt(shape)}`);
    const known = sizeOf(s.filter((_, i) => i !== free));
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError('reshape', `cannot infer -1 when reshaping ${fmt(x.shape)} to ${fmt(shape)}`);
    s[free] = x.size / known;
  }
  checkShape('reshape', s);
  if (sizeOf(s) !== x.size)
    throw new ShapeError(
      'reshape',
      `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)} (${sizeOf(s)} elements)`,
    );
  if (sameShape(s, x.shape)) return x;
  const y = wrap(x.bufferRef, s, be);
  return record(y, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/** Collapse all axes from `start` on into one. */
export function flatten(x: Tensor, start = 1): Tensor {
  return reshape(x, [...x.shape.slice(0, start), sizeOf(x.shape.slice(start))]);
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const be = backendOf('transpose', x);
  const p = perm ? perm.map((a) => normAxis('transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== x.rank)
    throw new ShapeError('transpose', `permutation [${perm}] does not match rank ${x.rank}`);
  if (p.every((a, i) => a === i)) return x;
  const y = wrap(
    be.transpose(x.buffer, x.shape, p),
    p.map((a) => x.shape[a]),
    be,
  );
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => {
    inv[a] = i;
  });
  return record(y, 'transpose', [x], (g) => [transpose(g, inv)], { perm: p });
}

/** Broadcast to a larger shape (materialised). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(out, shape)) throw new ShapeError('broadcastTo', `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  if (sameShape(x.shape, shape)) return x;
  const be = backendOf('broadcastTo', x);
  const zero = be.fill(1, 0);
  const zt = wrap(zero, [], be);
  const y = wrap(
    be.binary(
      'add',
      x.buffer,
      bstr(x.shape, shape),
      zero,
      shape.map(() => 0),
      shape,
    ),
    shape,
    be,
  );
  zt.dispose();
  return record(y, 'broadcastTo', [x], (g) => [sumTo(g, x.shape)]);
}

function bstr(shape: Shape, out: Shape): number[] {
  const off = out.length - shape.length;
  const st: number[] = new Array(out.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i + off] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return st;
}

/** x[begin : begin+size] along every axis (size -1 means to the end). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const be = backendOf('slice', x);
  if (begin.length !== x.rank || (size && size.length !== x.rank))
    throw new ShapeError('slice', `begin/size must have ${x.rank} entries for shape ${fmt(x.shape)}`);
  const sz = x.shape.map((d, i) => (size && size[i] !== -1 ? size[i] : d - begin[i]));
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(begin[i]) || begin[i] < 0 || sz[i] < 0 || begin[i] + sz[i] > x.shape[i]) {
      throw new ShapeError('slice', `begin [${begin}] size [${sz}] is out of bounds for shape ${fmt(x.shape)}`);
    }
  }
  if (sameShape(sz, x.shape)) return x;
  const y = wrap(be.slice(x.buffer, x.shape, begin, sz), sz, be);
  return record(
    y,
    'slice',
    [x],
    (g) => [
      pad(
        g,
        begin,
        x.shape.map((d, i) => d - begin[i] - sz[i]),
      ),
    ],
    { begin, size: sz },
  );
}

/** Pad each axis with before[i] and after[i] cells, zeros or wrapped around (circular). */
export function pad(x: Tensor, before: readonly number[], after: readonly number[], mode: PadMode = 'zero'): Tensor {
  const be = backendOf('pad', x);
  if (before.length !== x.rank || after.length !== x.rank)
    throw new ShapeError('pad', `before/after must have ${x.rank} entries for shape ${fmt(x.shape)}`);
  for (let i = 0; i < x.rank; i++) {
    if (!Number.isInteger(before[i]) || !Number.isInteger(after[i]) || before[i] < 0 || after[i] < 0)
      throw new ShapeError('pad', `pads must be non-negative integers, got [${before}] / [${after}]`);
    if (mode === 'circular' && (before[i] > x.shape[i] || after[i] > x.shape[i]))
      throw new ShapeError('pad', `circular pad [${before}]/[${after}] larger than shape ${fmt(x.shape)}`);
  }
  if (before.every((b) => b === 0) && after.every((a) => a === 0)) return x;
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  const y = wrap(be.pad(x.buffer, x.shape, before, after, mode), outShape, be);
  return record(
    y,
    mode === 'zero' ? 'pad' : 'pad_circular',
    [x],
    (g) => [mode === 'zero' ? slice(g, before, x.shape) : circularPadGrad(g, x.shape, before)],
    { before, after, mode },
  );
}

/** Fold the wrapped cells of a circular pad back onto the interior, one axis at a time. */
function circularPadGrad(g: Tensor, shape: Shape, before: readonly number[]): Tensor {
  let cur = g;
  for (let ax = 0; ax < shape.length; ax++) {
    const n = shape[ax],
      total = cur.shape[ax];
    if (total === n) continue;
    // padded cell k holds interior index j = k - before, wrapped mod n: sum the
    // blocks j in [m n, (m+1) n) back onto the interior, each without wrapping.
    const b = before[ax];
    let acc: Tensor | null = null;
    for (let m = Math.floor(-b / n); m * n < total - b; m++) {
      const j0 = Math.max(m * n, -b),
        j1 = Math.min((m + 1) * n, total - b);
      if (j1 <= j0) continue;
      const piece = sliceAxis(cur, ax, j0 + b, j1 - j0);
      const dst = j0 - m * n;
      const padded = pad(piece, axisVec(shape.length, ax, dst), axisVec(shape.length, ax, n - dst - (j1 - j0)));
      acc = acc ? add(acc, padded) : padded;
    }
    cur = acc!;
  }
  return cur;
}

function axisVec(rank: number, ax: number, v: number): number[] {
  const a = new Array<number>(rank).fill(0);
  a[ax] = v;
  return a;
}

/** `len` entries of axis `ax` starting at `start` (a materialised copy). */
function sliceAxis(x: Tensor, ax: number, start: number, len: number): Tensor {
  const b = axisVec(x.rank, ax, start);
  const s = x.shape.map((d, i) => (i === ax ? len : d));
  return slice(x, b, s);
}

/** Join tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const be = backendOf('concat', ...xs);
  const ax = normAxis('concat', axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new ShapeError('concat', `shapes ${xs.map((q) => fmt(q.shape)).join(', ')} differ off axis ${ax}`);
    }
  }
  if (xs.length === 1) return xs[0];
  const outShape = xs[0].shape.map((d, i) => (i === ax ? xs.reduce((s, t) => s + t.shape[ax], 0) : d));
  const y = wrap(
    be.concat(
      xs.map((t) => t.buffer),
      xs.map((t) => t.shape),
      ax,
    ),
    outShape,
    be,
  );
  return record(
    y,
    'concat',
    xs,
    (g) => {
      let off = 0;
      return xs.map((t) => {
        const part = needsGrad(t) ? sliceAxis(g, ax, off, t.shape[ax]) : null;
        off += t.shape[ax];
        return part;
      });
    },
    { axis: ax },
  );
}

/** Join tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('stack', 'needs at least one tensor');
  const ax = axis < 0 ? axis + xs[0].rank + 1 : axis;
  return concat(
    xs.map((t) => reshape(t, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)])),
    ax,
  );
}

/** Take index `i` of an axis (dropping it). */
export function index(x: Tensor, axis: number, i: number): Tensor {
  const ax = normAxis('index', axis, x.rank);
  if (!Number.isInteger(i) || i < 0 || i >= x.shape[ax])
    throw new ShapeError('index', `index ${i} out of range for axis ${ax} of ${fmt(x.shape)}`);
  const s = sliceAxis(x, ax, i, 1);
  return reshape(
    s,
    x.shape.filter((_, k) => k !== ax),
  );
}

export { sliceAxis };
