// Reductions over axes, and their gradients.
import type { ReduceOp } from '../backends/backend.ts';
import { record, Tensor, wrap } from '../tensor.ts';
import { fmt, normAxes, sameShape, ShapeError, sizeOf, type Shape } from '../core/shape.ts';
import { backendOf } from './util.ts';
import { reshape, broadcastTo } from './layout.ts';
import { div, eq, mul } from './elementwise.ts';

function keptShape(shape: Shape, axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Reduce `axes` of x with the backend's last-axis kernel (permuting first if needed). Returns keepdims shape. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  const be = backendOf(op, x);
  const keep = keptShape(x.shape, axes);
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const trailing = axes.every((a, k) => a === x.rank - axes.length + k);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  if (op !== 'sum' && n === 0) throw new ShapeError(op, `cannot reduce an empty axis of shape ${fmt(x.shape)}`);
  const outer = sizeOf(rest.map((a) => x.shape[a]));
  if (trailing) return wrap(be.reduceLast(op, x.buffer, outer, n), keep, be);
  const perm = [...rest, ...axes];
  const tb = be.transpose(x.buffer, x.shape, perm);
  const out = wrap(be.reduceLast(op, tb, outer, n), keep, be);
  be.dispose(tb);
  return out;
}

function finish(y: Tensor, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  if (keepDims) return y;
  return reshape(
    y,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Sum over `axes` (all when omitted); `keepDims` keeps them as size 1. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('sum', axes, x.rank);
  const y = record(reduceRaw('sum', x, ax), 'sum', [x], (g) => [broadcastTo(g, x.shape)], { axes: ax });
  return finish(y, x, ax, keepDims);
}

/** Mean over `axes` (all when omitted); `keepDims` keeps them as size 1. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('mean', axes, x.rank);
  const n = sizeOf(ax.map((a) => x.shape[a]));
  return div(sum(x, ax, keepDims), n);
}

function extremum(
  op: 'max' | 'min',
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  const ax = normAxes(op, axes, x.rank);
  const raw = reduceRaw(op, x, ax);
  // the gradient is shared equally among tied extrema
  const y = record(
    raw,
    op,
    [x],
    (g) => {
      const mask = eq(x, raw);
      const count = reduceRaw('sum', mask, ax);
      return [mul(mask, div(g, count))];
    },
    { axes: ax },
  );
  return finish(y, x, ax, keepDims);
}

/** Maximum over `axes` (all when omitted); the gradient is shared among tied maxima. */
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  extremum('max', x, axes, keepDims);
/** Minimum over `axes` (all when omitted); the gradient is shared among tied minima. */
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  extremum('min', x, axes, keepDims);

/** Sum g over the axes along which `shape` was broadcast, giving a tensor of `shape`. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, shape);
}
