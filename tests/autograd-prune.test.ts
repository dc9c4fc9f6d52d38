// backward(loss, { targets }) prunes the graph: an attack's input gradient runs no
// weight-gradient kernel, and equals the unpruned backward's bit for bit.
import { beforeAll, describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import type { Backend, Tensor } from '../src/index.ts';
import { buildModel } from '../src/lab/nn/models.ts';
import type { Classifier } from '../src/lab/nn/types.ts';

const FILTER_GRADS = ['conv2dGradFilter', 'local2dGradFilter', 'circConv2dGradFilter'] as const;
const COUNTED = [...FILTER_GRADS, 'matmul', 'conv2dGradInput', 'local2dGradInput', 'circConv2dGradInput'] as const;

/** Counts calls of the kernels in COUNTED on be while fn runs. */
function countKernels<R>(be: Backend, fn: () => R): { result: R; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const orig = new Map<string, unknown>();
  const b = be as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const k of COUNTED) {
    calls[k] = 0;
    const f = b[k];
    orig.set(k, f);
    b[k] = function (this: unknown, ...a: unknown[]) {
      calls[k]++;
      return f.apply(this, a);
    };
  }
  try {
    return { result: fn(), calls };
  } finally {
    for (const [k, f] of orig) b[k] = f as (...a: unknown[]) => unknown;
  }
}

/** The input gradient of the summed CE loss, pruned or not, with the kernels counted during backward only. */
function inputGrad(
  model: Classifier,
  x: Tensor,
  labels: number[],
  prune: boolean,
): { g: Float32Array | Float64Array; calls: Record<string, number> } {
  return T.tidy(() => {
    const xl = T.detach(x);
    xl.requiresGrad = true;
    const loss = T.crossEntropy(model.forward(xl), labels, 'sum');
    const { result, calls } = countKernels(x.backend, () => T.backward(loss, { targets: [xl], prune }));
    return { g: result.get(xl)!.dataSyncF64(), calls };
  });
}

const be = T.float64Backend();
beforeAll(async () => {
  await T.setBackend(be);
});
const specs: [string, number[], number][] = [
  // spec, input shape, how many matmuls an input gradient needs (one per linear layer)
  ['fc-w16-d2-relu', [3, 8, 8], 3],
  ['bwc-k3-c4-d2-relu', [3, 8, 8], 1],
  ['lc-k3-c2-d1-relu', [3, 8, 8], 1],
  ['fwc-c2-d1-relu', [3, 8, 8], 1],
  ['resnet8', [3, 8, 8], 1],
];

describe('backward with targets prunes to the targets', () => {
  for (const [spec, shape, linears] of specs) {
    test(spec, () => {
      const model = buildModel(spec, { inputShape: shape, seed: 3 });
      for (const p of model.parameters().values()) expect(p.requiresGrad).toBe(true); // as in `ifrlab attack`
      const x = T.tensor(T.uniformArray(2 * shape.reduce((a, b) => a * b, 1), 7), [2, ...shape], be);
      const pruned = inputGrad(model, x, [1, 4], true);
      const full = inputGrad(model, x, [1, 4], false);
      for (const k of FILTER_GRADS) expect(pruned.calls[k], k).toBe(0);
      expect(pruned.calls.matmul).toBe(linears);
      // the unpruned pass does run the weight gradients (so the counter can see them)
      expect(FILTER_GRADS.reduce((s, k) => s + full.calls[k], 0) + full.calls.matmul).toBeGreaterThan(linears);
      expect(Array.from(pruned.g)).toEqual(Array.from(full.g));
      expect(pruned.g.some((v) => v !== 0)).toBe(true);
      model.dispose?.();
      x.dispose();
    });
  }

  test('gradients of several targets, and parameter .grad left untouched', () => {
    T.tidy(() => {
      const a = T.tensor([0.5, -1, 2], [3], be).requireGrad();
      const b = T.tensor([1.5, 0.25, -3], [3], be).requireGrad();
      const c = T.tensor([2, 3, 4], [3], be).requireGrad();
      const loss = T.sum(T.mul(T.mul(a, b), T.exp(c)));
      const m = T.backward(loss, { targets: [a, c] });
      const e = [2, 3, 4].map(Math.exp);
      const ga = m.get(a)!.dataSyncF64();
      [1.5 * e[0], 0.25 * e[1], -3 * e[2]].forEach((v, i) => expect(ga[i]).toBeCloseTo(v, 12));
      const gc = m.get(c)!.dataSyncF64();
      [0.5 * 1.5 * e[0], -1 * 0.25 * e[1], 2 * -3 * e[2]].forEach((v, i) => expect(gc[i]).toBeCloseTo(v, 12));
      expect(m.has(b)).toBe(false);
      expect(b.grad).toBe(null);
    });
  });

  test('a hook on a tensor off the target path still sees its gradient', () => {
    T.tidy(() => {
      const x = T.tensor([1, 2], [2], be).requireGrad();
      const w = T.tensor([3, -4], [2], be).requireGrad();
      const w2 = T.mul(w, 2);
      let seen: number[] | null = null;
      w2.registerHook((g) => {
        seen = Array.from(g.dataSyncF64());
      });
      const loss = T.sum(T.mul(x, w2));
      const m = T.backward(loss, { targets: [x] });
      expect(Array.from(m.get(x)!.dataSyncF64())).toEqual([6, -8]);
      expect(seen).toEqual([1, 2]);
    });
  });
});
