// The Square attack: score-based (no gradient is ever taken), on linear models
// where the distance to the decision boundary is known in closed form.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import * as A from '../src/lab/attacks/index.ts';
import type { Classifier } from '../src/lab/nn/types.ts';
import { LinearModel } from './attacks-models.ts';

const shape = [3, 8, 8],
  D = 192;

/** The model, refusing any forward pass that could be differentiated. */
function scoresOnly(m: LinearModel): Classifier & { calls: number } {
  return {
    spec: m.spec,
    numClasses: m.numClasses,
    inputShape: m.inputShape,
    calls: 0,
    forward(x: T.Tensor) {
      if (T.engine.gradEnabled || x.requiresGrad) throw new Error('a gradient was requested');
      this.calls++;
      return m.forward(x);
    },
    parameters: () => m.parameters(),
    setTraining: () => {},
  };
}

/** A linear model with image-like weights: constant on 4x4 blocks (a random 3x2x2 pattern per class, upsampled). */
function blockyLinear(k: number, seed: number): LinearModel {
  const coarse = T.normalArray(k * 12, seed, 0);
  const W = new Float64Array(k * D);
  for (let c = 0; c < k; c++)
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) W[c * D + ch * 64 + y * 8 + x] = coarse[c * 12 + ch * 4 + (y >> 2) * 2 + (x >> 2)];
  // centred at x = 0.5 (logits equal there up to a small offset), so the inputs below lie close to
  // the boundary and the minimal perturbations stay well inside the box
  const B = T.normalArray(k, seed, 1).map(
    (v, c) => 0.1 * v - 0.5 * W.subarray(c * D, (c + 1) * D).reduce((p, q) => p + q, 0),
  );
  return new LinearModel(W, B, k, shape);
}

function inputs(m: LinearModel, n: number, seed: number): { xh: Float64Array; labels: number[] } {
  const xh = T.uniformArray(n * D, seed, 0).map((v) => 0.45 + 0.1 * v);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = m.logits(xh, i);
    labels.push(z.indexOf(Math.max(...z)));
  }
  return { xh, labels };
}

describe('Square attack', () => {
  test('the p schedule halves at the published fractions of the budget', () => {
    expect(A.squareP(0.8, 0, 10000)).toBe(0.8);
    expect(A.squareP(0.8, 11, 10000)).toBe(0.4);
    expect(A.squareP(0.8, 51, 10000)).toBe(0.2);
    expect(A.squareP(0.8, 9999, 10000)).toBeCloseTo(0.8 / 512, 12);
    expect(A.squareP(0.8, 100, 1000)).toBeCloseTo(0.8 / 16, 12); // 1000 of 10000: (500, 1000]
  });

  test('the L2 window has unit norm and two halves of opposite sign', () => {
    for (const s of [3, 5, 8]) {
      const w = A.squareL2Window(s, false);
      expect(Math.sqrt(w.reduce((p, v) => p + v * v, 0))).toBeCloseTo(1, 12);
      const top = w.slice(0, Math.floor(s / 2) * s),
        bottom = w.slice(Math.floor(s / 2) * s);
      expect(top.every((v) => v > 0) && bottom.every((v) => v < 0)).toBe(true);
    }
  });

  for (const norm of ['linf', 'l2'] as const) {
    test(`succeeds on a linear model without gradients above the exact boundary distance, never below it (${norm})`, async () => {
      const lin = blockyLinear(3, 41);
      const m = scoresOnly(lin);
      const N = 6;
      const { xh, labels } = inputs(lin, N, 42);
      const dist = Array.from(
        { length: N },
        (_, i) => lin.boundaryDistance(xh, i, labels[i], norm === 'linf' ? 1 : 2).dist,
      );
      const x = T.tensor(xh, [N, ...shape]);
      // the random search is far from the optimum direction on unstructured weights: linf gets there at 1.5x in
      // 1000 queries, l2 (pseudo-Gaussian windows) needs 3x and 5000; a numpy transcription of the authors'
      // code shows the same rates on this problem (l2, 3x: 6/6 at 5000 queries, 2x: 2/6)
      const f = norm === 'linf' ? 1.5 : 3;
      const up = await A.squareAttack(
        { model: m, x, labels, seed: 1 },
        { norm, eps: dist.map((v) => f * v), queries: norm === 'linf' ? 1000 : 5000 },
      );
      expect([...up.success]).toEqual(new Array(N).fill(1));
      for (let i = 0; i < N; i++)
        expect(norm === 'linf' ? up.norms.linf[i] : up.norms.l2[i]).toBeLessThanOrEqual(
          f * dist[i] * (1 + 1e-5) + 1e-6,
        );
      const down = await A.squareAttack(
        { model: m, x, labels, seed: 1 },
        { norm, eps: dist.map((v) => 0.95 * v), queries: 200 },
      );
      expect([...down.success].some((s) => s === 1)).toBe(false);
      expect(m.calls).toBeGreaterThan(10);
      x.dispose();
    }, 30_000);
  }

  test('targeted (CE to the target): reaches the target class at a generous budget', async () => {
    const lin = blockyLinear(4, 43);
    const N = 4;
    const { xh, labels } = inputs(lin, N, 44);
    const targets = labels.map((y) => (y + 1) % 4);
    const x = T.tensor(xh, [N, ...shape]);
    const r = await A.squareAttack(
      { model: scoresOnly(lin), x, labels, targets, seed: 2 },
      { norm: 'linf', eps: 0.3, queries: 300 },
    );
    expect([...r.advPred]).toEqual(targets);
    x.dispose();
  });
});
