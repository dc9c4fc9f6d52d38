// Every differentiable op on the WebGPU backend against the reference backend:
// the value of loss = sum(f(x...) * r) for a fixed random r, and its gradient
// with respect to every input (so each op's backward, which calls the kernels,
// is checked too). Tolerance: 1e-4 relative to the largest expected magnitude.
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import { uniformArray } from '../src/engine/core/random.ts';
import { sizeOf } from '../src/engine/core/shape.ts';
import { gpu, relErr, skipReason } from './webgpu-setup.ts';

const ref = new T.ReferenceBackend('float32');
const d = gpu ? describe : describe.skip;
let seed = 1000;
const rand = (n: number, lo: number, hi: number): Float32Array =>
  Float32Array.from(uniformArray(n, seed++), (u) => lo + (hi - lo) * u);

type Range = [number, number];
/** Compare value and gradients of sum(f(...xs) * r) on both backends. */
async function gradParity(
  what: string,
  shapes: number[][],
  f: (...xs: Tensor[]) => Tensor,
  range: Range | Range[] = [-1, 1],
  tol = 1e-4,
): Promise<void> {
  const ranges = shapes.map((_, i) => (Array.isArray(range[0]) ? (range as Range[])[i] : (range as Range)));
  const arrays = shapes.map((s, i) => rand(sizeOf(s), ranges[i][0], ranges[i][1]));
  const rSeed = seed++;
  const results: { value: Float32Array; grads: Float32Array[] }[] = [];
  for (const be of [ref, gpu!]) {
    const xs = arrays.map((a, i) => T.tensor(a, shapes[i], be));
    const loss = (...ts: Tensor[]): Tensor => {
      const y = f(...ts);
      const r = T.tensor(
        Float32Array.from(uniformArray(y.size, rSeed), (u) => u - 0.5),
        y.shape,
        be,
      );
      return T.sum(T.mul(y, r));
    };
    const { value, grads } = T.valueAndGrad(loss)(...xs);
    results.push({ value: await value.data(), grads: await Promise.all(grads.map((g) => g.data())) });
    value.dispose();
    grads.forEach((g) => g.dispose());
    xs.forEach((x) => x.dispose());
  }
  const [want, got] = results;
  expect(relErr(got.value, want.value), `${what}: value`).toBeLessThanOrEqual(tol);
  want.grads.forEach((g, i) =>
    expect(relErr(got.grads[i], g), `${what}: gradient of input ${i}`).toBeLessThanOrEqual(tol),
  );
}

d(`webgpu op gradients vs reference ${gpu ? '' : `(skipped: ${skipReason})`}`, () => {
  it('unary ops', async () => {
    const pos: Range = [0.2, 2];
    await gradParity('neg', [[3, 5]], T.neg);
    await gradParity('exp', [[3, 5]], T.exp);
    await gradParity('log', [[3, 5]], T.log, pos);
    await gradParity('sqrt', [[3, 5]], T.sqrt, pos);
    await gradParity('abs', [[3, 5]], T.abs);
    await gradParity('relu', [[3, 5]], T.relu);
    await gradParity('square', [[3, 5]], T.square);
    await gradParity('reciprocal', [[3, 5]], T.reciprocal, pos);
    await gradParity('sin', [[3, 5]], T.sin, [-4, 4]);
    await gradParity('cos', [[3, 5]], T.cos, [-4, 4]);
  });

  it('broadcasting binary ops, where, clamp', async () => {
    for (const [name, fn] of [
      ['add', T.add],
      ['sub', T.sub],
      ['mul', T.mul],
      ['div', T.div],
      ['maximum', T.maximum],
      ['minimum', T.minimum],
    ] as const) {
      await gradParity(
        name,
        [
          [2, 3, 4],
          [3, 1],
        ],
        (a, b) => fn(a, b),
        name === 'div'
          ? [
              [-1, 1],
              [0.5, 2],
            ]
          : [-1, 1],
      );
    }
    await gradParity('pow', [[2, 3], [3]], (a, b) => T.pow(a, b), [
      [0.5, 2],
      [-1, 2],
    ]);
    await gradParity('pow scalar', [[4, 3]], (a) => T.pow(a, 3));
    await gradParity('where', [[4, 3], [4, 3], [3]], (c, a, b) => T.where(T.gt(c, 0), a, b));
    await gradParity('clamp', [[4, 3]], (a) => T.clamp(a, -0.3, 0.4));
  });

  it('reductions', async () => {
    await gradParity('sum all', [[3, 4, 5]], (a) => T.sum(a));
    await gradParity('sum axes', [[3, 4, 5]], (a) => T.sum(a, [0, 2], true));
    await gradParity('mean', [[3, 4, 5]], (a) => T.mean(a, 1));
    await gradParity('max', [[3, 4, 5]], (a) => T.max(a, -1));
    await gradParity('min', [[3, 4, 5]], (a) => T.min(a, [0, 1]));
  });

  it('layout ops', async () => {
    await gradParity('reshape+transpose', [[2, 3, 4]], (a) => T.transpose(T.reshape(a, [6, 4]), [1, 0]));
    await gradParity('transpose 4-D', [[2, 3, 4, 2]], (a) => T.transpose(a, [2, 0, 3, 1]));
    await gradParity('slice', [[4, 5, 3]], (a) => T.slice(a, [1, 2, 0], [2, 3, 2]));
    await gradParity('pad zero', [[2, 3, 4]], (a) => T.pad(a, [0, 1, 2], [1, 0, 1]));
    await gradParity('pad circular', [[2, 3, 4]], (a) => T.pad(a, [0, 2, 3], [0, 1, 2], 'circular'));
    await gradParity(
      'concat',
      [
        [2, 3],
        [2, 4],
      ],
      (a, b) => T.concat([a, b], 1),
    );
    await gradParity(
      'stack',
      [
        [2, 3],
        [2, 3],
      ],
      (a, b) => T.stack([a, b], 1),
    );
  });

  it('matmul (transposes, batches) and linear', async () => {
    await gradParity(
      'matmul',
      [
        [5, 7],
        [7, 3],
      ],
      (a, b) => T.matmul(a, b),
    );
    await gradParity(
      'matmul tA tB',
      [
        [7, 5],
        [3, 7],
      ],
      (a, b) => T.matmul(a, b, { transA: true, transB: true }),
    );
    await gradParity(
      'matmul batched',
      [
        [2, 5, 7],
        [7, 3],
      ],
      (a, b) => T.matmul(a, b),
    );
    await gradParity(
      'matmul batched tB',
      [
        [5, 7],
        [2, 3, 7],
      ],
      (a, b) => T.matmul(a, b, { transB: true }),
    );
    await gradParity('linear', [[6, 10], [4, 10], [4]], (x, w, b) => T.linear(x, w, b));
  });

  it('logSoftmax, softmax, crossEntropy', async () => {
    await gradParity('logSoftmax', [[4, 10]], (a) => T.logSoftmax(a), [-3, 3]);
    await gradParity('logSoftmax axis 0', [[4, 6]], (a) => T.logSoftmax(a, 0), [-3, 3]);
    await gradParity('softmax', [[4, 10]], (a) => T.softmax(a), [-3, 3]);
    await gradParity('crossEntropy', [[6, 10]], (a) => T.crossEntropy(a, [0, 3, 9, 2, 2, 5]), [-3, 3]);
  });

  it('conv2d (zero same, circular stride 2, valid) with bias', async () => {
    await gradParity('conv2d same', [[2, 3, 6, 6], [4, 3, 3, 3], [4]], (x, w, b) =>
      T.conv2d(x, w, b, { padding: 'same' }),
    );
    await gradParity('conv2d circular s2', [[2, 2, 8, 8], [3, 2, 5, 5], [3]], (x, w, b) =>
      T.conv2d(x, w, b, { padding: 2, stride: 2, mode: 'circular' }),
    );
    await gradParity(
      'conv2d valid s2',
      [
        [1, 2, 7, 7],
        [2, 2, 3, 3],
      ],
      (x, w) => T.conv2d(x, w, null, { padding: 'valid', stride: 2 }),
    );
  });

  it('local2d and circConv2d with bias', async () => {
    await gradParity(
      'local2d circular',
      [
        [2, 2, 5, 5],
        [3, 2, 5, 5, 9],
        [3, 5, 5],
      ],
      (x, w, b) => T.local2d(x, w, [3, 3], b, { padding: 1, mode: 'circular' }),
    );
    await gradParity(
      'local2d valid s2',
      [
        [1, 2, 7, 7],
        [2, 2, 3, 3, 9],
      ],
      (x, w) => T.local2d(x, w, [3, 3], null, { stride: 2 }),
    );
    await gradParity('circConv2d 8x8', [[2, 2, 8, 8], [3, 2, 8, 8], [3]], (x, w, b) => T.circConv2d(x, w, b));
    await gradParity(
      'circConv2d 7x5',
      [
        [1, 2, 7, 5],
        [2, 2, 7, 5],
      ],
      (x, w) => T.circConv2d(x, w),
    );
  });

  it('a BWC block: circular 3x3 conv on 16x16 images, ReLU, linear from 2048 features (split-K)', async () => {
    await gradParity(
      'bwc block',
      [[2, 3, 16, 16], [8, 3, 3, 3], [8], [10, 2048], [10]],
      (x, w, b, w2, b2) =>
        T.crossEntropy(
          T.linear(T.flatten(T.relu(T.conv2d(x, w, b, { padding: 1, mode: 'circular' }))), w2, b2),
          [3, 7],
        ),
      [
        [0, 1],
        [-0.2, 0.2],
        [-0.1, 0.1],
        [-0.01, 0.01],
        [-0.01, 0.01],
      ],
    );
  });

  it('batchNorm, avgPool2d', async () => {
    await gradParity('batchNorm', [[4, 3, 4, 4], [3], [3]], (x, g, b) => T.batchNorm(x, g, b, null, true).y);
    await gradParity('avgPool2d', [[2, 3, 4, 6]], (x) => T.avgPool2d(x, 2));
  });

  it('FFTs: fft, ifft, fft2, ifft2, cabs', async () => {
    await gradParity('fft 8', [[3, 8, 2]], (x) => T.fft(x));
    await gradParity('ifft 28', [[2, 28, 2]], (x) => T.ifft(x));
    await gradParity('fft 200 (Bluestein)', [[1, 200, 2]], (x) => T.fft(x));
    await gradParity('fft2 32x32', [[1, 32, 32, 2]], (x) => T.fft2(x));
    await gradParity('ifft2 28x28', [[1, 28, 28, 2]], (x) => T.ifft2(x));
    await gradParity('cabs(fft2(real))', [[2, 6, 5]], (x) => T.cabs(T.fft2(T.toComplex(x))), [0.5, 1]);
  });
});
