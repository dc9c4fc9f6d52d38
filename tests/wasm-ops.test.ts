// Every op and its gradient on the WASM backend against the reference backend
// (float32), through the public ops in src/engine/ops: the same case table as the
// float64 finite-difference check (tests/helpers/op-cases.ts), plus larger
// and odd shapes, with one and two threads. Tolerance: max|wasm - ref| / max|ref|
// <= 1e-5 for values and for every input gradient.
import { afterAll, describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import { Tensor } from '../src/index.ts';
import type { Backend } from '../src/engine/backends/backend.ts';
import { cases, input, type Case } from './helpers/op-cases.ts';
import { createWasmBackend, type WasmBackend } from '../src/engine/backends/wasm/index.ts';

const ref = new T.ReferenceBackend('float32');

// Larger and odd shapes on the hot paths.
cases.push(
  {
    name: 'matmul_odd',
    shapes: [
      [33, 31],
      [31, 127],
    ],
    fn: (a, b) => T.matmul(a, b),
  },
  { name: 'linear_fc', shapes: [[7, 127], [33, 127], [33]], fn: (x, w, b) => T.linear(x, w, b) },
  {
    name: 'crossEntropy_fc',
    shapes: [[31, 10]],
    fn: (x) =>
      T.crossEntropy(
        x,
        Array.from({ length: 31 }, (_, i) => i % 10),
      ),
  },
  {
    name: 'conv2d_bwc1',
    shapes: [[3, 3, 32, 32], [32, 3, 3, 3], [32]],
    fn: (x, w, b) => T.relu(T.conv2d(x, w, b, { padding: 1, mode: 'circular' })),
  },
  {
    name: 'conv2d_stride2_odd',
    shapes: [
      [2, 3, 31, 33],
      [5, 3, 3, 3],
    ],
    fn: (x, w) => T.conv2d(x, w, null, { stride: 2, padding: 1 }),
  },
  { name: 'circConv2d_32', shapes: [[2, 3, 32, 32], [3, 3, 32, 32], [3]], fn: (x, w, b) => T.circConv2d(x, w, b) },
  { name: 'fft2_28', shapes: [[3, 28, 28, 2]], fn: (x) => T.fft2(x) },
  { name: 'ifft_127', shapes: [[3, 127, 2]], fn: (x) => T.ifft(x) },
);

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return e / Math.max(m, 1e-30);
}

/** Value and input gradients of sum(fn(xs) * r) on one backend. */
function run(c: Case, be: Backend): Float32Array[] {
  const datas = c.shapes.map((s, i) => {
    const d = input(s, 100 + i, 0.2, 1.0, c.positive);
    c.init?.(i, d);
    return d;
  });
  return T.tidy(() => {
    const xs = datas.map((d, i) => T.tensor(d, c.shapes[i], be));
    const probe = c.fn(...xs);
    const r = T.tensor(input(probe.shape as number[], 7), probe.shape, be);
    const { value, grads } = T.valueAndGrad((...ys: Tensor[]) => T.sum(T.mul(c.fn(...ys), r)))(...xs);
    return [probe.dataSync(), value.dataSync(), ...grads.map((g) => g.dataSync())];
  });
}

const made: WasmBackend[] = [];
afterAll(() => made.forEach((b) => b.terminate()));

for (const threads of [1, 2]) {
  describe(`op values and gradients, wasm (${threads} thread(s)) vs reference`, async () => {
    const w = await createWasmBackend({ threads });
    made.push(w);
    const expected = new Map<string, Float32Array[]>();
    for (const c of cases) {
      test(c.name, () => {
        let want = expected.get(c.name);
        if (!want) {
          want = run(c, ref);
          expected.set(c.name, want);
        }
        const before = w.memory().buffers;
        const got = run(c, w);
        expect(w.memory().buffers).toBe(before); // tidy() freed every intermediate and gradient
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => expect(relErr(g, want![i]), `${c.name} output ${i}`).toBeLessThan(1e-5));
      });
    }
  });
}

test('the registry selects the wasm backend by name', async () => {
  const be = await T.setBackend('wasm');
  expect(be.name).toBe('wasm');
  const y = T.matmul(T.tensor([1, 2, 3, 4], [2, 2]), T.tensor([5, 6, 7, 8], [2, 2]));
  expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
  await T.setBackend('reference');
});

test('a training loop (conv + ReLU + linear, SGD momentum) matches the reference and does not grow wasm memory', async () => {
  const w = await createWasmBackend({ threads: 2 });
  made.push(w);
  const N = 8;
  const run = (be: Backend, steps: number, heap?: number[]) => {
    const mk = (shape: number[], seed: number, s: number) => T.tensor(input(shape, seed, 0.0, s), shape, be);
    const ps = [mk([4, 3, 3, 3], 1, 0.3), mk([4], 2, 0.1), mk([10, 4 * 8 * 8], 3, 0.05), mk([10], 4, 0.1)];
    const vel = ps.map((p) => T.full(p.shape, 0, be));
    const x = T.tensor(input([N, 3, 8, 8], 5, 0, 1, true), [N, 3, 8, 8], be);
    const y = Array.from({ length: N }, (_, i) => i % 10);
    const loss = (...q: Tensor[]) =>
      T.crossEntropy(
        T.linear(T.flatten(T.relu(T.conv2d(x, q[0], q[1], { padding: 1, mode: 'circular' }))), q[2], q[3]),
        y,
      );
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      T.tidy(() => {
        const { value, grads } = T.valueAndGrad(loss)(...ps);
        losses.push(value.dataSync()[0]);
        ps.forEach((p, i) => be.sgdStep(p.buffer, grads[i].buffer, vel[i].buffer, 0.1, 0.9, 1e-4, false));
      });
      heap?.push((be as WasmBackend).heapBytes?.() ?? 0);
    }
    const out = [losses, ...ps.map((p) => Array.from(p.dataSync()))];
    [...ps, ...vel, x].forEach((t) => t.dispose());
    return out;
  };
  const heap: number[] = [];
  const got = run(w, 8, heap),
    want = run(ref, 8);
  got.forEach((g, i) => expect(relErr(g, want[i]), `trajectory ${i}`).toBeLessThan(1e-4));
  expect(heap[heap.length - 1]).toBe(heap[2]); // buffers are reused from the free lists
});
