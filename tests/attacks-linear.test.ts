// Attacks on linear models, where the answers are known in closed form.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import * as A from '../src/lab/attacks/index.ts';
import { randomLinear, type LinearModel } from './attacks-models.ts';

const shape = [1, 8, 8],
  D = 64;
const softplus = (t: number): number => (t > 30 ? t : Math.log1p(Math.exp(t)));

/** Inputs in [0.3, 0.7]; labels = the model's own predictions (so every input is correctly classified). */
function inputs(m: LinearModel, n: number, seed: number): { xh: Float64Array; labels: number[] } {
  const xh = T.uniformArray(n * D, seed, 0).map((v) => 0.3 + 0.4 * v);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = m.logits(xh, i);
    labels.push(z.indexOf(Math.max(...z)));
  }
  return { xh, labels };
}

/** CE of example i at x (host, float64). */
function ce(m: LinearModel, x: ArrayLike<number>, i: number, y: number): number {
  const z = m.logits(x, i);
  const mx = Math.max(...z);
  return mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0)) - z[y];
}

/** Does the minimal perturbation of example i stay inside [0,1] (the box does not bind)? */
function boxFree(m: LinearModel, xh: Float64Array, i: number, y: number, norm: 'l2' | 'linf'): boolean {
  const { dist, k } = m.boundaryDistance(xh, i, y, norm === 'l2' ? 2 : 1);
  const v = new Float64Array(D);
  let n2 = 0;
  for (let j = 0; j < D; j++) {
    v[j] = m.W[k * D + j] - m.W[y * D + j];
    n2 += v[j] * v[j];
  }
  for (let j = 0; j < D; j++) {
    const step = norm === 'l2' ? (dist * v[j]) / Math.sqrt(n2) : dist * Math.sign(v[j]);
    const t = xh[i * D + j] + step;
    if (t < 0.02 || t > 0.98) return false;
  }
  return true;
}

describe('PGD reaches the optimal loss increase on a binary linear model', () => {
  // K = 2: CE = softplus(m(x)), m = (w_o - w_y).x + b_o - b_y, so the best point of the ball
  // raises m by eps * ||w_o - w_y||_1 (linf) or eps * ||w_o - w_y||_2 (l2) when the box does not bind.
  for (const norm of ['linf', 'l2'] as const) {
    test(norm, async () => {
      const m = randomLinear(2, shape, 11);
      const N = 6;
      const { xh, labels } = inputs(m, N, 12);
      const eps = norm === 'linf' ? 0.05 : 0.25; // x in [0.3,0.7]: linf 0.05 and l2 0.25 (< 0.3 per coordinate) keep the box free
      const x = T.tensor(xh, [N, ...shape]);
      const r = await A.pgd({ model: m, x, labels, seed: 1 }, { norm, eps, steps: 100, relStepsize: 0.05 });
      for (let i = 0; i < N; i++) {
        const y = labels[i],
          o = 1 - y;
        let q = 0;
        for (let j = 0; j < D; j++) {
          const v = Math.abs(m.W[o * D + j] - m.W[y * D + j]);
          q += norm === 'linf' ? v : v * v;
        }
        const z = m.logits(xh, i),
          za = m.logits(r.adversarial, i);
        const gain = eps * (norm === 'linf' ? q : Math.sqrt(q)); // the optimal increase of m
        const got = za[o] - za[y] - (z[o] - z[y]);
        expect(got / gain).toBeGreaterThan(0.999);
        expect(got / gain).toBeLessThan(1 + 1e-4);
        // and so the loss: CE = softplus(m)
        const best = softplus(z[o] - z[y] + gain);
        expect(Math.abs(ce(m, r.adversarial, i, y) - best) / best).toBeLessThan(1e-3);
      }
      x.dispose();
    });
  }
});

describe('minimal adversarial distance on linear models is the exact distance to the boundary', () => {
  // exact: min_k (z_y - z_k) / ||w_y - w_k||_2 (L2) or ||w_y - w_k||_1 (Linf, the LP value), box not binding
  const cases: [number, 'l2' | 'linf'][] = [
    [2, 'l2'],
    [2, 'linf'],
    [5, 'l2'],
    [5, 'linf'],
  ];
  for (const [K, norm] of cases) {
    test(`K=${K} ${norm}: Brendel-Bethge and the minimal-norm search within 1%`, async () => {
      const m = randomLinear(K, shape, 20 + K);
      const all = inputs(m, 24, 30 + K);
      const keepIdx = [...Array(24).keys()].filter((i) => boxFree(m, all.xh, i, all.labels[i], norm)).slice(0, 6);
      expect(keepIdx.length).toBeGreaterThanOrEqual(4);
      const xh = new Float64Array(keepIdx.length * D);
      keepIdx.forEach((i, r) => xh.set(all.xh.subarray(i * D, (i + 1) * D), r * D));
      const labels = keepIdx.map((i) => all.labels[i]);
      const N = labels.length;
      const exact = labels.map((y, i) => m.boundaryDistance(xh, i, y, norm === 'l2' ? 2 : 1).dist);
      const x = T.tensor(xh, [N, ...shape]);
      const pool = T.tensor(T.uniformArray(64 * D, 9, 0), [64, ...shape]);
      // D is small, so the default trust region (lr * D) is too; lr 0.05 gives radius 3.2 (l2) / 0.4 (linf)
      const bb = await A.brendelBethge(
        { model: m, x, labels, seed: 3 },
        { norm, steps: 200, lr: 0.05, startPool: pool, restarts: K > 2 ? 4 : 1 },
      );
      // the margin loss heads for the nearest facet; cross-entropy need not when K > 2
      const mn = await A.minimalNormSearch(
        { model: m, x, labels, seed: 4 },
        (a, eps) => A.pgd(a, { norm, eps, steps: 50, randomStart: false, loss: K > 2 ? 'margin' : 'ce' }),
        { norm, initEps: 0.01 },
      );
      for (const r of [bb, mn]) {
        const got = A.normOf(r.norms, norm);
        for (let i = 0; i < N; i++) {
          expect(r.success[i], `${r.attack} example ${i}`).toBe(1);
          expect(got[i] / exact[i], `${r.attack} example ${i}: ${got[i]} vs ${exact[i]}`).toBeLessThan(1.01);
          // adversarial points cannot be closer than the boundary (float32 rounding aside)
          expect(got[i] / exact[i]).toBeGreaterThan(1 - 1e-4);
        }
      }
      // the search's bracket: eps (= hi) bounds the norm it returns
      for (let i = 0; i < N; i++)
        expect(A.normOf(mn.norms, norm)[i]).toBeLessThanOrEqual(mn.eps![i] * (1 + 1e-5) + 1e-7);
      x.dispose();
      pool.dispose();
    });
  }

  test('targeted Brendel-Bethge L2 reaches the target at the exact distance to its half-space', async () => {
    // K = 2: the target is the other class, so the targeted and untargeted problems coincide
    const m = randomLinear(2, shape, 41);
    const { xh, labels } = inputs(m, 4, 42);
    const targets = labels.map((y) => 1 - y);
    const x = T.tensor(xh, [4, ...shape]);
    const r = await A.brendelBethge(
      { model: m, x, labels, targets, seed: 5 },
      { norm: 'l2', steps: 100, lr: 0.05, init: 'noise' },
    );
    for (let i = 0; i < 4; i++) {
      if (!boxFree(m, xh, i, labels[i], 'l2')) continue;
      expect(r.advPred[i]).toBe(targets[i]);
      expect(r.norms.l2[i] / m.boundaryDistance(xh, i, labels[i], 2).dist).toBeLessThan(1.01);
    }
    x.dispose();
  });
});
