// The op case table shared by the float64 finite-difference check
// (core-gradcheck) and the backend parity suites (wasm-ops): one entry per op
// that records a gradient, with inputs away from kinks.
import * as T from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { uniformArray } from '../../src/engine/core/random.ts';

/** Values in ±[lo, hi] (away from the kinks of relu/abs/sign at 0), seeded. */
export function input(shape: number[], seed: number, lo = 0.2, hi = 1.0, positive = false): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = uniformArray(2 * n, seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mag = lo + (hi - lo) * u[2 * i];
    out[i] = positive || u[2 * i + 1] < 0.5 ? mag : -mag;
  }
  return out;
}

export interface Case {
  name: string;
  shapes: number[][];
  fn: (...xs: Tensor[]) => Tensor;
  positive?: boolean;
  /** Replace the generated inputs (e.g. to keep max/min arguments apart). */
  init?: (i: number, data: Float64Array) => void;
}

export const cases: Case[] = [
  // elementwise unary
  { name: 'neg', shapes: [[3, 4]], fn: (x) => T.neg(x) },
  { name: 'exp', shapes: [[3, 4]], fn: (x) => T.exp(x) },
  { name: 'log', shapes: [[3, 4]], fn: (x) => T.log(x), positive: true },
  { name: 'sqrt', shapes: [[3, 4]], fn: (x) => T.sqrt(x), positive: true },
  { name: 'abs', shapes: [[3, 4]], fn: (x) => T.abs(x) },
  { name: 'relu', shapes: [[3, 4]], fn: (x) => T.relu(x) },
  { name: 'square', shapes: [[3, 4]], fn: (x) => T.square(x) },
  { name: 'reciprocal', shapes: [[3, 4]], fn: (x) => T.reciprocal(x) },
  { name: 'sin', shapes: [[5]], fn: (x) => T.sin(x) },
  { name: 'cos', shapes: [[5]], fn: (x) => T.cos(x) },
  // binary with broadcasting
  {
    name: 'add',
    shapes: [
      [2, 3, 4],
      [3, 1],
    ],
    fn: (a, b) => T.add(a, b),
  },
  {
    name: 'sub',
    shapes: [
      [2, 1, 4],
      [3, 4],
    ],
    fn: (a, b) => T.sub(a, b),
  },
  { name: 'mul', shapes: [[2, 3, 4], [4]], fn: (a, b) => T.mul(a, b) },
  {
    name: 'div',
    shapes: [
      [2, 3],
      [2, 1],
    ],
    fn: (a, b) => T.div(a, b),
  },
  {
    name: 'gate',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    fn: (a, b) => T.gate(a, b),
    init: (i, d) => {
      if (i === 1) for (let k = 0; k < d.length; k++) d[k] = k % 3 === 0 ? -d[k] : d[k];
    },
  },
  {
    name: 'max',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    fn: (a, b) => T.maximum(a, b),
    init: (i, d) => {
      if (i === 1) for (let k = 0; k < d.length; k++) d[k] = -d[k] * 0.5 + 0.05 * k;
    },
  },
  {
    name: 'min',
    shapes: [
      [3, 4],
      [1, 4],
    ],
    fn: (a, b) => T.minimum(a, b),
    init: (i, d) => {
      if (i === 1) d.set([0.9, -0.1, 0.35, -0.55]);
    },
  },
  {
    name: 'pow',
    shapes: [
      [3, 2],
      [3, 2],
    ],
    fn: (a, b) => T.pow(a, b),
    positive: true,
  },
  { name: 'add_scalar', shapes: [[4]], fn: (x) => T.add(x, 1.5) },
  { name: 'sub_scalar', shapes: [[4]], fn: (x) => T.sub(2, x) },
  { name: 'mul_scalar', shapes: [[4]], fn: (x) => T.mul(x, -3) },
  { name: 'div_scalar', shapes: [[4]], fn: (x) => T.add(T.div(x, 2), T.div(1, x)) },
  { name: 'max_scalar', shapes: [[6]], fn: (x) => T.maximum(x, 0.1) },
  { name: 'min_scalar', shapes: [[6]], fn: (x) => T.minimum(0.1, x) },
  { name: 'pow_scalar', shapes: [[4]], fn: (x) => T.add(T.pow(x, 3), T.pow(2, x)), positive: true },
  { name: 'clamp', shapes: [[8]], fn: (x) => T.clamp(x, -0.5, 0.6) },
  { name: 'where', shapes: [[3, 4], [3, 4], [4]], fn: (c, a, b) => T.where(T.gt(c, 0), a, b) },
  { name: 'identity', shapes: [[3]], fn: (x) => T.identity(x, 'tap') },
  // reductions
  { name: 'sum', shapes: [[2, 3, 4]], fn: (x) => T.sum(x, [0, 2]) },
  { name: 'sum_all', shapes: [[2, 3]], fn: (x) => T.sum(x) },
  { name: 'mean', shapes: [[2, 3, 4]], fn: (x) => T.mean(x, 1, true) },
  { name: 'max_reduce', shapes: [[3, 5]], fn: (x) => T.max(x, 1) },
  { name: 'min_reduce', shapes: [[3, 5]], fn: (x) => T.min(x, 0) },
  // layout
  {
    name: 'reshape',
    shapes: [[2, 6]],
    fn: (x) => T.mul(T.reshape(x, [3, -1]), T.tensor([1, 2, 3, 4], [1, 4], x.backend)),
  },
  { name: 'transpose', shapes: [[2, 3, 4]], fn: (x) => T.transpose(x, [2, 0, 1]) },
  { name: 'broadcastTo', shapes: [[3, 1]], fn: (x) => T.broadcastTo(x, [2, 3, 4]) },
  { name: 'slice', shapes: [[4, 5]], fn: (x) => T.slice(x, [1, 2], [2, -1]) },
  { name: 'pad', shapes: [[2, 3]], fn: (x) => T.pad(x, [1, 0], [2, 1]) },
  { name: 'pad_circular', shapes: [[2, 3, 4]], fn: (x) => T.pad(x, [0, 3, 1], [0, 2, 4], 'circular') },
  {
    name: 'concat',
    shapes: [
      [2, 3],
      [2, 1],
      [2, 2],
    ],
    fn: (a, b, c) => T.concat([a, b, c], 1),
  },
  {
    name: 'stack',
    shapes: [
      [2, 3],
      [2, 3],
    ],
    fn: (a, b) => T.stack([a, b], 1),
  },
  // linear algebra
  {
    name: 'matmul',
    shapes: [
      [3, 4],
      [4, 5],
    ],
    fn: (a, b) => T.matmul(a, b),
  },
  {
    name: 'matmul_tA',
    shapes: [
      [4, 3],
      [4, 5],
    ],
    fn: (a, b) => T.matmul(a, b, { transA: true }),
  },
  {
    name: 'matmul_tB',
    shapes: [
      [3, 4],
      [5, 4],
    ],
    fn: (a, b) => T.matmul(a, b, { transB: true }),
  },
  {
    name: 'matmul_tAtB',
    shapes: [
      [4, 3],
      [5, 4],
    ],
    fn: (a, b) => T.matmul(a, b, { transA: true, transB: true }),
  },
  {
    name: 'matmul_batched',
    shapes: [
      [2, 3, 4],
      [4, 2],
    ],
    fn: (a, b) => T.matmul(a, b),
  },
  { name: 'linear', shapes: [[3, 4], [2, 4], [2]], fn: (x, w, b) => T.linear(x, w, b) },
  // nn
  { name: 'logSoftmax', shapes: [[3, 5]], fn: (x) => T.logSoftmax(x) },
  { name: 'logSoftmax_axis0', shapes: [[3, 5]], fn: (x) => T.logSoftmax(x, 0) },
  { name: 'crossEntropy', shapes: [[4, 3]], fn: (x) => T.crossEntropy(x, [0, 2, 1, 2]) },
  {
    name: 'conv2d_zero',
    shapes: [[2, 2, 5, 5], [3, 2, 3, 3], [3]],
    fn: (x, w, b) => T.conv2d(x, w, b, { padding: 1 }),
  },
  {
    name: 'conv2d_circular',
    shapes: [
      [1, 2, 4, 5],
      [2, 2, 3, 3],
    ],
    fn: (x, w) => T.conv2d(x, w, null, { padding: 'same', mode: 'circular' }),
  },
  {
    name: 'conv2d_valid',
    shapes: [
      [2, 1, 5, 4],
      [2, 1, 2, 3],
    ],
    fn: (x, w) => T.conv2d(x, w, null, { padding: 'valid' }),
  },
  {
    name: 'conv2d_stride2',
    shapes: [
      [1, 2, 6, 6],
      [2, 2, 3, 3],
    ],
    fn: (x, w) => T.conv2d(x, w, null, { stride: 2, padding: 1 }),
  },
  {
    name: 'conv2d_stride2_circular',
    shapes: [
      [1, 1, 5, 6],
      [2, 1, 3, 3],
    ],
    fn: (x, w) => T.conv2d(x, w, null, { stride: 2, padding: [1, 2, 0, 1], mode: 'circular' }),
  },
  {
    name: 'local2d',
    shapes: [
      [2, 2, 4, 4],
      [3, 2, 4, 4, 9],
      [3, 4, 4],
    ],
    fn: (x, w, b) => T.local2d(x, w, [3, 3], b, { padding: 1 }),
  },
  {
    name: 'local2d_stride2_valid',
    shapes: [
      [1, 2, 5, 5],
      [2, 2, 2, 2, 9],
    ],
    fn: (x, w) => T.local2d(x, w, [3, 3], null, { stride: 2 }),
  },
  { name: 'circConv2d', shapes: [[2, 2, 4, 6], [3, 2, 4, 6], [3]], fn: (x, w, b) => T.circConv2d(x, w, b) },
  { name: 'batchNorm_train', shapes: [[4, 3, 2, 2], [3], [3]], fn: (x, g, b) => T.batchNorm(x, g, b, null, true).y },
  { name: 'avgPool2d', shapes: [[1, 2, 4, 4]], fn: (x) => T.avgPool2d(x, 2) },
  // FFT (complex = trailing axis of 2)
  { name: 'fft', shapes: [[2, 8, 2]], fn: (x) => T.fft(x) },
  { name: 'ifft', shapes: [[3, 7, 2]], fn: (x) => T.ifft(x) },
  { name: 'fft2', shapes: [[2, 4, 6, 2]], fn: (x) => T.fft2(x) },
  { name: 'ifft2', shapes: [[1, 5, 4, 2]], fn: (x) => T.ifft2(x) },
  { name: 'cabs_fft2', shapes: [[2, 4, 4]], fn: (x) => T.cabs(T.fft2(T.toComplex(x))) },
  { name: 'fftshift', shapes: [[5, 4]], fn: (x) => T.fftshift(x, [0, 1]) },
];
