// Tensor API: random numbers, errors, memory, tidy, autograd bookkeeping and
// the gradient-path inspection API.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import { philox } from '../src/engine/core/random.ts';

describe('counter-based random numbers', () => {
  test('Philox4x32-10 matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox(0, 0, 0, 0, 0, 0, out);
    expect([...out].map((v) => v.toString(16))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    philox(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect([...out].map((v) => v.toString(16))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect([...out].map((v) => v.toString(16))).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  test('the same seed draws the same numbers; streams and seeds differ; offsets slice a stream', () => {
    const a = T.uniformArray(1000, 42),
      b = T.uniformArray(1000, 42);
    expect(a).toEqual(b);
    expect(T.uniformArray(10, 43)).not.toEqual(T.uniformArray(10, 42));
    expect(T.uniformArray(10, 42, 1)).not.toEqual(T.uniformArray(10, 42, 0));
    expect(T.uniformArray(5, 42, 0, 7)).toEqual(a.slice(7, 12));
    const t1 = T.randNormal([4, 5], 9).dataSync(),
      t2 = T.randNormal([4, 5], 9).dataSync();
    expect(t1).toEqual(t2);
    // tensors on a float64 backend hold the same numbers (up to float32 rounding)
    const t3 = T.randNormal([4, 5], 9, 0, 1, 0, T.float64Backend()).dataSyncF64();
    for (let i = 0; i < 20; i++) expect(Math.abs(t3[i] - t1[i])).toBeLessThan(1e-6);
  });

  test('moments of uniform and normal draws', () => {
    const u = T.uniformArray(200000, 1);
    const n = T.normalArray(200000, 2);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const vr = (a: Float64Array) => {
      const m = mean(a);
      return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length;
    };
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(vr(u) - 1 / 12)).toBeLessThan(0.002);
    expect(Math.abs(mean(n))).toBeLessThan(0.01);
    expect(Math.abs(vr(n) - 1)).toBeLessThan(0.01);
    expect(u.reduce((m, v) => Math.min(m, v), 1)).toBeGreaterThanOrEqual(0);
    expect(u.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(1);
  });
});

describe('clear errors on bad input', () => {
  test('shapes, ranks, sizes and disposed tensors', () => {
    const a = T.zeros([2, 3]),
      b = T.zeros([4, 5]);
    expect(() => T.add(a, b)).toThrow(/add: shapes \[2, 3\] and \[4, 5\] cannot be broadcast/);
    expect(() => T.matmul(a, b)).toThrow(/matmul: inner sizes differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/);
    expect(() => T.matmul(T.zeros([2]), b)).toThrow(/matmul: operands must be 2-D or 3-D/);
    expect(() => T.zeros([2, -1])).toThrow(/full: invalid shape \[2, -1\]/);
    expect(() => T.reshape(a, [4, 2])).toThrow(/reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
    expect(() => T.conv2d(T.zeros([1, 3, 8, 8]), T.zeros([4, 2, 3, 3]))).toThrow(
      /conv2d: input \[1, 3, 8, 8\] has 3 channels but the weight expects 2/,
    );
    expect(() => T.conv2d(T.zeros([3, 8, 8]), T.zeros([4, 3, 3, 3]))).toThrow(
      /conv2d: input \[N, C, H, W\] must have rank 4, got shape \[3, 8, 8\]/,
    );
    expect(() => T.fft(T.zeros([4, 3]))).toThrow(/fft: expects a complex tensor/);
    expect(() => T.crossEntropy(T.zeros([2, 3]), [0, 5])).toThrow(/oneHot: label 5/);
    expect(() => T.slice(a, [0, 2], [2, 2])).toThrow(/slice: .* out of bounds/);
    expect(() => T.sum(a, 2)).toThrow(/sum: axis 2 is out of range for rank 2/);
    expect(() => T.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    a.dispose();
    expect(() => T.neg(a)).toThrow(/neg: input tensor #\d+ \[2, 3\] was disposed/);
    expect(() => a.dataSync()).toThrow(/was read after dispose/);
    const other = T.zeros([2, 3], T.float64Backend());
    expect(() => T.add(T.zeros([2, 3]), other)).toThrow(
      /add: inputs live on different backends \(reference\/float32 and reference\/float64/,
    );
  });
});

describe('memory', () => {
  test('a 10,000-step training loop keeps the number of live tensors and buffers flat', () => {
    const w = T.randNormal([8, 4], 1, 0, 0.1).requireGrad();
    const x = T.randNormal([16, 8], 2);
    const labels = Array.from({ length: 16 }, (_, i) => i % 4);
    const step = () =>
      T.tidy(() => {
        const loss = T.crossEntropy(T.relu(T.matmul(x, w)), labels);
        T.backward(loss);
        const nw = T.sub(w, T.mul(w.grad!, 0.1));
        w.backend.sgdStep(w.buffer, w.grad!.buffer, nw.buffer, 0, 0, 0, false); // exercise the in-place kernel
        T.zeroGrad([w]);
        return loss.itemSync();
      });
    step();
    const before = T.memory();
    let last = 0;
    for (let i = 0; i < 10000; i++) last = step();
    const after = T.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.buffers).toBe(before.buffers);
    expect(Number.isFinite(last)).toBe(true);
  });

  test('a gradient-penalty step (backward with createGraph, then backward again) frees everything in its tidy', () => {
    // loss = CE(conv model) + ||d CE / d x||^2: the penalty's weight gradient goes through
    // the recorded conv2d gradient kernels (second order)
    const w = T.randNormal([4, 3, 3, 3], 1, 0, 0.2).requireGrad();
    const r = T.randNormal([10, 4 * 6 * 6], 2, 0, 0.05).requireGrad();
    const x = T.randUniform([5, 3, 6, 6], 3);
    const labels = [0, 1, 2, 3, 4];
    const step = (): number =>
      T.tidy(() => {
        const xi = T.detach(x).requireGrad();
        const logits = T.matmul(
          T.reshape(T.relu(T.conv2d(xi, w, null, { padding: 1, mode: 'circular' })), [5, -1]),
          r,
          { transB: true },
        );
        const ce = T.crossEntropy(logits, labels);
        const gx = T.backward(ce, { targets: [xi], createGraph: true }).get(xi)!;
        const loss = T.add(ce, T.sum(T.square(gx)));
        T.backward(loss, { targets: [w, r] }).forEach((g, p) => {
          T.mul(g, 0.1).dataSync();
          void p;
        });
        return loss.itemSync();
      });
    step();
    const before = T.memory();
    for (let i = 0; i < 50; i++) expect(Number.isFinite(step())).toBe(true);
    expect(T.memory()).toEqual(before);
    expect(w.grad).toBeNull();
  });

  test('tidy keeps returned tensors and disposes the rest, also on error', () => {
    const base = T.memory().tensors;
    const kept = T.tidy(() => {
      const a = T.ones([3]);
      const b = T.add(a, 1);
      return { b, list: [T.mul(b, 2)] };
    });
    expect(T.memory().tensors).toBe(base + 2);
    kept.b.dispose();
    kept.list[0].dispose();
    expect(() =>
      T.tidy(() => {
        T.ones([2]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(T.memory().tensors).toBe(base);
  });

  test('reshape shares the buffer and frees it with its last view', () => {
    const before = T.memory().buffers;
    const a = T.ones([2, 3]);
    const b = T.reshape(a, [6]);
    expect(T.memory().buffers).toBe(before + 1);
    a.dispose();
    expect(b.dataSync()).toEqual(new Float32Array(6).fill(1));
    b.dispose();
    expect(T.memory().buffers).toBe(before);
  });
});

describe('autograd bookkeeping and gradient-path inspection', () => {
  test('backward accumulates into leaves; valueAndGrad leaves .grad alone', () => {
    const w = T.tensor([1, 2, 3]).requireGrad();
    T.backward(T.sum(T.mul(w, w)));
    T.backward(T.sum(w));
    expect(w.grad!.dataSync()).toEqual(new Float32Array([3, 5, 7]));
    const g = T.grad((x) => T.sum(T.mul(x, w)))(T.tensor([1, 1, 1]));
    expect(g[0].dataSync()).toEqual(new Float32Array([1, 2, 3]));
    expect(w.grad!.dataSync()).toEqual(new Float32Array([3, 5, 7]));
  });

  test('a gradient reused by two consumers (x used twice) is summed', () => {
    const [g] = T.grad((x) => T.sum(T.add(T.mul(x, 3), T.mul(x, x))))(T.tensor([2, -1]));
    expect(g.dataSync()).toEqual(new Float32Array([7, 1]));
  });

  test('input gradient of a logit, per-layer gradients through hooks, graph listing and JSON', () => {
    const w1 = T.tensor([
      [1, -1],
      [2, 0.5],
    ])
      .requireGrad()
      .setName('w1');
    const w2 = T.tensor([[1, 1]])
      .requireGrad()
      .setName('w2');
    const x = T.tensor([[0.5, 1]])
      .requireGrad()
      .setName('x');
    const h = T.relu(T.matmul(x, w1, { transB: true })).setName('h');
    const logit = T.sum(T.matmul(h, w2, { transB: true }));
    const { grads, remove } = T.captureGradients([h]);
    const seen: number[][] = [];
    const off = x.registerHook((g) => {
      seen.push([...g.dataSync()]);
    });
    T.backward(logit);
    remove();
    off();
    // h = relu([0.5-1, 1+0.5]) = [0, 1.5]; d logit/d h = w2 = [1, 1]
    expect(grads.get(h)!.dataSync()).toEqual(new Float32Array([1, 1]));
    // d logit / d x = (w2 * relu'(.)) @ w1 = [0, 1] @ w1 = [2, 0.5]
    expect(x.grad!.dataSync()).toEqual(new Float32Array([2, 0.5]));
    expect(seen).toEqual([[2, 0.5]]);
    const g = T.graphOf(logit);
    expect(g.map((n) => n.op)).toEqual(expect.arrayContaining(['leaf', 'matmul', 'relu', 'sum']));
    const named = g
      .filter((n) => n.name)
      .map((n) => n.name)
      .sort();
    expect(named).toEqual(['h', 'w1', 'w2', 'x']);
    const json = JSON.parse(JSON.stringify(g));
    const mm = json.find((n: { op: string; shape: number[] }) => n.op === 'matmul' && n.shape[1] === 2);
    expect(mm.inputs).toHaveLength(2);
    expect(T.formatGraph(logit)).toMatch(/'h' relu \[1, 2\] <- #\d+/);
  });

  test('noGrad records nothing; retainGrad keeps an intermediate gradient', () => {
    const w = T.tensor([1, 2]).requireGrad();
    const y = T.noGrad(() => T.mul(w, 2));
    expect(y.requiresGrad).toBe(false);
    const z = T.mul(w, 3).retainGrad();
    T.backward(T.sum(T.square(z)));
    expect(z.grad!.dataSync()).toEqual(new Float32Array([6, 12]));
    expect(() => T.backward(T.sum(y))).toThrow(/does not depend on any tensor that requires a gradient/);
  });
});
