// Elementwise ops with broadcasting, and their gradients.
import type { BinaryOp, UnaryOp } from '../backends/backend.ts';
import { needsGrad, record, Tensor, wrap } from '../tensor.ts';
import { broadcastShapes, broadcastStrides } from '../core/shape.ts';
import { backendOf, type TensorLike } from './util.ts';
import { sumTo } from './reduce.ts';

function unaryOp(op: UnaryOp, x: Tensor, grad?: (g: Tensor, x: Tensor, y: Tensor) => Tensor): Tensor {
  const b = backendOf(op, x);
  const y = wrap(b.unary(op, x.buffer), x.shape, b);
  return grad ? record(y, op, [x], (g) => [grad(g, x, y)]) : y;
}

/** -x, elementwise. */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x, (g) => neg(g));
/** e^x, elementwise. */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x, (g, _x, y) => mul(g, y));
/** Natural logarithm, elementwise. */
export const log = (x: Tensor): Tensor => unaryOp('log', x, (g, x) => div(g, x));
/** Square root, elementwise. */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x, (g, _x, y) => div(mul(g, 0.5), y));
/** |x|, elementwise (gradient sign(x), 0 at 0). */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x, (g, x) => mul(g, sign(x)));
/** sign(x); its gradient is zero almost everywhere. */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
/** max(x, 0), elementwise (gradient 0 at 0; one pass: gate(g, x), not mul(g, step(x))). */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x, (g, x) => gate(g, x));
/** 1 where x > 0, else 0 (no gradient). */
export const step = (x: Tensor): Tensor => unaryOp('step', x);
/** x^2, elementwise. */
export const square = (x: Tensor): Tensor => unaryOp('square', x, (g, x) => mul(g, mul(x, 2)));
/** 1/x, elementwise. */
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x, (g, _x, y) => neg(mul(g, square(y))));
/** sin x, elementwise. */
export const sin = (x: Tensor): Tensor => unaryOp('sin', x, (g, x) => mul(g, cos(x)));
/** cos x, elementwise. */
export const cos = (x: Tensor): Tensor => unaryOp('cos', x, (g, x) => neg(mul(g, sin(x))));

/** Gradients of a binary op w.r.t. each (broadcast) input, before reduction to the input shapes. */
type BinGrad = (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

const binGrads: Partial<Record<BinaryOp, BinGrad>> = {
  add: (g) => [g, g],
  sub: (g) => [g, neg(g)],
  mul: (g, a, b) => [mul(g, b), mul(g, a)],
  div: (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))],
  // ties send the gradient to the first argument, as the forward picks it
  max: (g, a, b) => [mul(g, ge(a, b)), mul(g, lt(a, b))],
  min: (g, a, b) => [mul(g, le(a, b)), mul(g, gt(a, b))],
  gate: (g, _a, b) => [gate(g, b), null],
  pow: (g, a, b, y) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(y, log(a)))],
};

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === 'number' && typeof b === 'number')
    throw new TypeError(`${op}: at least one argument must be a Tensor`);
  if (typeof b === 'number') return scalarOp(op, a as Tensor, b, false);
  if (typeof a === 'number') return scalarOp(op, b, a, true);
  const be = backendOf(op, a, b);
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const y = wrap(
    be.binary(
      op,
      a.buffer,
      broadcastStrides(a.shape, outShape),
      b.buffer,
      broadcastStrides(b.shape, outShape),
      outShape,
    ),
    outShape,
    be,
  );
  const gf = binGrads[op];
  if (!gf) return y;
  return record(y, op, [a, b], (g) => {
    const [ga, gb] = gf(g, a, b, y);
    return [ga && needsGrad(a) ? sumTo(ga, a.shape) : null, gb && needsGrad(b) ? sumTo(gb, b.shape) : null];
  });
}

function scalarOp(op: BinaryOp, x: Tensor, s: number, scalarFirst: boolean): Tensor {
  const be = backendOf(op, x);
  const y = wrap(be.binaryScalar(op, x.buffer, s, scalarFirst), x.shape, be);
  let grad: ((g: Tensor) => Tensor) | null = null;
  switch (op) {
    case 'add':
      grad = (g) => g;
      break;
    case 'sub':
      grad = scalarFirst ? (g) => neg(g) : (g) => g;
      break;
    case 'mul':
      grad = (g) => mul(g, s);
      break;
    case 'div':
      grad = scalarFirst ? (g) => neg(div(mul(g, s), square(x))) : (g) => div(g, s);
      break;
    case 'max':
      grad = (g) => mul(g, scalarFirst ? gt(x, s) : ge(x, s));
      break;
    case 'min':
      grad = (g) => mul(g, scalarFirst ? lt(x, s) : le(x, s));
      break;
    case 'pow':
      grad = scalarFirst ? (g) => mul(g, mul(y, Math.log(s))) : (g) => mul(g, mul(pow(x, s - 1), s));
      break;
    default:
      grad = null;
  }
  return grad ? record(y, `${op}_scalar`, [x], (g) => [grad!(g)], { scalar: s, scalarFirst }) : y;
}

/** a + b with broadcasting (either may be a number). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** a - b with broadcasting (either may be a number). */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** a * b with broadcasting (either may be a number). */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** a / b with broadcasting (either may be a number). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** Elementwise max(a, b) with broadcasting; the gradient goes to the larger input. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('max', a, b);
/** Elementwise min(a, b) with broadcasting; the gradient goes to the smaller input. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('min', a, b);
/** a^b with broadcasting. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
/** Comparisons return 1/0 tensors and carry no gradient. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryOp('gt', a, b);
/** 1 where a >= b, else 0 (no gradient). */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryOp('ge', a, b);
/** 1 where a < b, else 0 (no gradient). */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lt', a, b);
/** 1 where a <= b, else 0 (no gradient). */
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryOp('le', a, b);
/** 1 where a == b, else 0 (no gradient). */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryOp('eq', a, b);
/** 1 where a != b, else 0 (no gradient). */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryOp('ne', a, b);
/** b > 0 ? a : 0 (ReLU's backward in one pass); the gradient flows to a only. */
export const gate = (a: TensorLike, b: TensorLike): Tensor => binaryOp('gate', a, b);

/** Clamp into [lo, hi]; the gradient passes where lo <= x <= hi. */
export function clamp(x: Tensor, lo: TensorLike, hi: TensorLike): Tensor {
  return minimum(maximum(x, lo), hi);
}

/** cond != 0 ? a : b, with broadcasting; gradients flow to the chosen branch. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const be = backendOf('where', cond);
  const A = typeof a === 'number' ? null : a;
  const B = typeof b === 'number' ? null : b;
  const ta = A ?? wrap(be.fill(1, a as number), [], be);
  const tb = B ?? wrap(be.fill(1, b as number), [], be);
  backendOf('where', cond, ta, tb);
  const outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const y = wrap(
    be.where(
      cond.buffer,
      broadcastStrides(cond.shape, outShape),
      ta.buffer,
      broadcastStrides(ta.shape, outShape),
      tb.buffer,
      broadcastStrides(tb.shape, outShape),
      outShape,
    ),
    outShape,
    be,
  );
  if (!A) ta.dispose();
  if (!B) tb.dispose();
  const inputs = [A, B].filter((t): t is Tensor => t !== null);
  return record(y, 'where', inputs, (g) => {
    const res: (Tensor | null)[] = [];
    if (A) res.push(needsGrad(A) ? sumTo(where(cond, g, 0), A.shape) : null);
    if (B) res.push(needsGrad(B) ? sumTo(where(cond, 0, g), B.shape) : null);
    return res;
  });
}

/** A copy that is cut from the autodiff graph. */
export function detach(x: Tensor): Tensor {
  const be = backendOf('detach', x);
  return wrap(be.binaryScalar('add', x.buffer, 0, false), x.shape, be);
}

/** An identity op, recorded in the graph (useful as a named tap point for hooks). */
export function identity(x: Tensor, name?: string): Tensor {
  const y = detach(x);
  if (name) y.name = name;
  return record(y, 'identity', [x], (g) => [g]);
}
