// Matrix products.
import type { MatmulParams } from '../backends/backend.ts';
import { needsGrad, record, Tensor, wrap } from '../tensor.ts';
import { fmt, ShapeError } from '../core/shape.ts';
import { backendOf } from './util.ts';
import { sumTo } from './reduce.ts';
import { add } from './elementwise.ts';
import { reshape } from './layout.ts';

/** Transpose the last two axes of A and/or B before multiplying. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * op(A) @ op(B) for 2-D or batched 3-D operands ([batch, rows, cols]); a 2-D
 * operand is shared by every batch entry. op() transposes the last two axes.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const be = backendOf('matmul', a, b);
  const transA = !!opts.transA,
    transB = !!opts.transB;
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3)
    throw new ShapeError('matmul', `operands must be 2-D or 3-D, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [ra, ca] = a.shape.slice(-2),
    [rb, cb] = b.shape.slice(-2);
  const m = transA ? ca : ra,
    k = transA ? ra : ca;
  const k2 = transB ? cb : rb,
    n = transB ? rb : cb;
  if (k !== k2)
    throw new ShapeError(
      'matmul',
      `inner sizes differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} @ ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${k2})`,
    );
  const batchA = a.rank === 3 ? a.shape[0] : 1,
    batchB = b.rank === 3 ? b.shape[0] : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1)
    throw new ShapeError('matmul', `batch sizes differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const batch = Math.max(batchA, batchB);
  const p: MatmulParams = { batch, m, k, n, transA, transB, batchA, batchB };
  const outShape = a.rank === 3 || b.rank === 3 ? [batch, m, n] : [m, n];
  const y = wrap(be.matmul(a.buffer, b.buffer, p), outShape, be);
  return record(
    y,
    'matmul',
    [a, b],
    (g) => {
      let da: Tensor | null = null,
        db: Tensor | null = null;
      if (needsGrad(a)) {
        da = !transA ? matmul(g, b, { transB: !transB }) : matmul(b, g, { transA: transB, transB: true });
        da = sumTo(da, a.shape);
      }
      if (needsGrad(b)) {
        db = !transB ? matmul(a, g, { transA: !transA }) : matmul(g, a, { transA: true, transB: transA });
        db = sumTo(db, b.shape);
      }
      return [da, db];
    },
    { transA, transB },
  );
}

/** x @ wᵀ + bias, with w stored [out, in] as in PyTorch. x may have any leading axes. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  if (w.rank !== 2) throw new ShapeError('linear', `weight must be 2-D [out, in], got ${fmt(w.shape)}`);
  if (x.shape[x.rank - 1] !== w.shape[1])
    throw new ShapeError(
      'linear',
      `input ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features but weight ${fmt(w.shape)} expects ${w.shape[1]}`,
    );
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : reshape(x, [-1, w.shape[1]]);
  let y = matmul(x2, w, { transB: true });
  if (bias) y = add(y, bias);
  return x.rank === 2 ? y : reshape(y, [...lead, w.shape[0]]);
}
