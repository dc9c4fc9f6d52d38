// The ensemble evaluation on linear models: the worst case per image equals the
// closed-form answer (robust iff the distance to the boundary exceeds eps), the
// sanity checks pass, and they fail on a model that masks its gradient.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import * as A from '../src/lab/attacks/index.ts';
import type { Classifier } from '../src/lab/nn/types.ts';
import { LinearModel } from './attacks-models.ts';

const shape = [3, 8, 8],
  D = 192,
  K = 5;

/** Image-like linear weights (constant on 4x4 blocks), centred at x = 0.5 so minimal perturbations stay inside the box. */
function blockyLinear(seed: number): LinearModel {
  const coarse = T.normalArray(K * 12, seed, 0);
  const W = new Float64Array(K * D);
  for (let c = 0; c < K; c++)
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) W[c * D + ch * 64 + y * 8 + x] = coarse[c * 12 + ch * 4 + (y >> 2) * 2 + (x >> 2)];
  const B = T.normalArray(K, seed, 1).map(
    (v, c) => 0.1 * v - 0.5 * W.subarray(c * D, (c + 1) * D).reduce((p, q) => p + q, 0),
  );
  return new LinearModel(W, B, K, shape);
}

describe('ensemble evaluation', () => {
  test('parses eps lists with fractions', () => {
    expect(A.parseEpsList('1/255, 2/255,0.5')).toEqual([1 / 255, 2 / 255, 0.5]);
    expect(() => A.parseEpsList('1/255,x')).toThrow(/x/);
  });

  test('worst case per image = the closed form on a linear model (linf); the sanity checks pass', async () => {
    const m = blockyLinear(51);
    const N = 10;
    const xh = T.uniformArray(N * D, 52, 0).map((v) => 0.45 + 0.1 * v);
    const labels: number[] = [];
    for (let i = 0; i < N; i++) {
      const z = m.logits(xh, i);
      labels.push(z.indexOf(Math.max(...z)));
    }
    labels[0] = (labels[0] + 1) % K; // one misclassified image: never robust
    const dist = Array.from({ length: N }, (_, i) => m.boundaryDistance(xh, i, labels[i], 1).dist);
    const sorted = dist.filter((v) => v > 0).sort((p, q) => p - q);
    const eps = [0.5 * sorted[3], sorted[5] * 1.01, 2 * sorted[N - 2]];
    const x = T.tensor(xh, [N, ...shape]);
    const r = await A.evaluateRobustness(
      { model: m, x, labels, seed: 1 },
      { norm: 'linf', eps, steps: 40, targetClasses: 4, queries: 300, bbSteps: 100 },
    );
    expect(r.cleanAccuracy).toBeCloseTo(0.9, 12);
    let compared = 0;
    for (const [k, e] of [...eps].sort((p, q) => p - q).entries()) {
      for (let i = 0; i < N; i++) {
        if (Math.abs(dist[i] - e) < 0.005 * e) continue; // too close to call
        expect(r.robust[k][i]).toBe(dist[i] > e ? 1 : 0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(25);
    // the minimal Linf norm is never below the boundary distance, and Brendel-Bethge (a local method: a start on
    // another class's facet stays there) reaches it for most images
    expect(r.minNorm[0]).toBe(0);
    const ratio = dist.slice(1).map((v, i) => r.minNorm[i + 1] / v);
    expect(Math.min(...ratio)).toBeGreaterThan(0.999);
    expect(ratio.filter((v) => v < 1.01).length).toBeGreaterThanOrEqual(7);
    for (const c of r.checks) expect(c.pass, `${c.name}: ${c.detail}`).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual([
      'robust accuracy falls with eps',
      'robust accuracy reaches 0 at a large eps',
      'the unbounded attack succeeds',
      'more steps do not help much',
      'the black-box attack does not beat the white-box ones',
      'bounded attacks agree with the minimal-norm attack',
    ]);
    x.dispose();
  }, 30_000);

  test('a model that hides its gradient fails the checks', async () => {
    const lin = blockyLinear(61);
    // the logits of detach(x): the same decisions, no gradient at all
    const masked: Classifier = {
      spec: 'masked',
      numClasses: K,
      inputShape: shape,
      forward: (x) => lin.forward(T.detach(x)),
      parameters: () => lin.parameters(),
      setTraining: () => {},
    };
    const N = 8;
    const xh = T.uniformArray(N * D, 62, 0).map((v) => 0.45 + 0.1 * v);
    const labels: number[] = [];
    for (let i = 0; i < N; i++) {
      const z = lin.logits(xh, i);
      labels.push(z.indexOf(Math.max(...z)));
    }
    const dist = Array.from({ length: N }, (_, i) => lin.boundaryDistance(xh, i, labels[i], 1).dist);
    const x = T.tensor(xh, [N, ...shape]);
    const r = await A.evaluateRobustness(
      { model: masked, x, labels, seed: 1 },
      { norm: 'linf', eps: [3 * Math.max(...dist)], steps: 20, targetClasses: 2, queries: 300, bbSteps: 0 },
    );
    const byName = Object.fromEntries(r.checks.map((c) => [c.name, c.pass]));
    expect(byName['the black-box attack does not beat the white-box ones']).toBe(false);
    // Square alone still finds every adversarial: the worst case is right even though the gradient attacks fail
    expect(r.curve[0].robustAccuracy).toBe(0);
    expect(r.curve[0].after[0].robustAccuracy).toBeGreaterThan(0.5);
    x.dispose();
  }, 30_000);

  test('APGD, APGD-T, Square and the ensemble free every tensor they create', async () => {
    const m = blockyLinear(71);
    const N = 3;
    const xh = T.uniformArray(N * D, 72, 0).map((v) => 0.45 + 0.1 * v);
    const labels = [0, 1, 2];
    const x = T.tensor(xh, [N, ...shape]);
    const before = T.memory().tensors;
    await A.apgd({ model: m, x, labels, seed: 1 }, { norm: 'l2', eps: 0.5, steps: 5, restarts: 2 });
    await A.apgdTargeted({ model: m, x, labels, seed: 1 }, { norm: 'linf', eps: 0.01, steps: 5, targetClasses: 2 });
    await A.squareAttack({ model: m, x, labels, seed: 1 }, { norm: 'l2', eps: 0.1, queries: 20 });
    await A.evaluateRobustness(
      { model: m, x, labels, seed: 1 },
      { norm: 'linf', eps: [0.001, 0.01], steps: 5, targetClasses: 2, queries: 20, bbSteps: 10, batchSize: 2 },
    );
    expect(T.memory().tensors).toBe(before);
    x.dispose();
  }, 30_000);
});
