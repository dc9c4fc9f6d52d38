// APGD (CE, DLR, targeted): closed-form optima on linear models, the published
// step-size schedule, and APGD >= PGD at equal steps on a trained ReLU net.
import { beforeAll, describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import * as A from '../src/lab/attacks/index.ts';
import { blobs, randomLinear, ReluNet, type LinearModel } from './attacks-models.ts';

const shape = [1, 8, 8],
  D = 64;

function inputs(m: LinearModel, n: number, seed: number): { xh: Float64Array; labels: number[] } {
  const xh = T.uniformArray(n * D, seed, 0).map((v) => 0.3 + 0.4 * v);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = m.logits(xh, i);
    labels.push(z.indexOf(Math.max(...z)));
  }
  return { xh, labels };
}

describe('the step-size schedule', () => {
  test('checkpoints as the authors compute them: 0.22 N, then gaps shrinking by 0.03 N to 0.06 N', () => {
    // N = 100: 22, +19, +16, +13, +10, +7, +6, +6 ...
    expect(A.apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(A.apgdCheckpoints(10)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('the DLR loss and its gradient match finite differences', () => {
    const k = 5,
      n = 3;
    const z = Float64Array.from(T.normalArray(n * k, 3, 0));
    const labels = [0, 2, 4],
      targets = [1, 3, 0];
    for (const tg of [undefined, targets])
      for (const loss of ['ce', 'dlr'] as const) {
        const { value, dz } = A.apgdLoss(loss, z, n, k, labels, tg);
        for (let j = 0; j < n * k; j++) {
          const h = 1e-6,
            zp = Float64Array.from(z),
            zm = Float64Array.from(z);
          zp[j] += h;
          zm[j] -= h;
          const i = Math.floor(j / k);
          const fd =
            (A.apgdLoss(loss, zp, n, k, labels, tg).value[i] - A.apgdLoss(loss, zm, n, k, labels, tg).value[i]) /
            (2 * h);
          expect(Math.abs(dz[j] - fd)).toBeLessThan(1e-5);
        }
        expect(value.every(Number.isFinite)).toBe(true);
      }
  });
});

describe('APGD on linear models (closed-form answers)', () => {
  // K = 2: CE = softplus(m), m = (w_o - w_y).x + b_o - b_y; the best point of the ball raises m by
  // eps ||w_o - w_y||_1 (linf) or eps ||w_o - w_y||_2 (l2) while the box does not bind.
  for (const norm of ['linf', 'l2'] as const) {
    test(`APGD-CE reaches the maximal loss (${norm})`, async () => {
      const m = randomLinear(2, shape, 11);
      const N = 6;
      const { xh, labels } = inputs(m, N, 12);
      const eps = norm === 'linf' ? 0.05 : 0.25;
      const x = T.tensor(xh, [N, ...shape]);
      const r = await A.apgd({ model: m, x, labels, seed: 1 }, { norm, eps, steps: 30, keep: 'max-loss' });
      for (let i = 0; i < N; i++) {
        const y = labels[i],
          o = 1 - y;
        let q = 0;
        for (let j = 0; j < D; j++) {
          const v = Math.abs(m.W[o * D + j] - m.W[y * D + j]);
          q += norm === 'linf' ? v : v * v;
        }
        const gain = eps * (norm === 'linf' ? q : Math.sqrt(q));
        const z = m.logits(xh, i),
          za = m.logits(r.adversarial, i);
        const got = za[o] - za[y] - (z[o] - z[y]);
        expect(got / gain).toBeGreaterThan(0.999);
        expect(got / gain).toBeLessThan(1 + 1e-4);
        expect(norm === 'linf' ? r.norms.linf[i] : r.norms.l2[i]).toBeLessThanOrEqual(eps * (1 + 1e-6));
      }
      x.dispose();
    });
  }

  // K = 5: an example can be misclassified inside the ball iff eps >= its distance to the decision
  // boundary, min_k (z_y - z_k) / ||w_y - w_k||_q (q = 1 for linf, 2 for l2), when the box does not bind.
  for (const norm of ['linf', 'l2'] as const) {
    test(`APGD-DLR and APGD-T succeed just above the exact boundary distance and never below (${norm})`, async () => {
      const m = randomLinear(5, shape, 21);
      const N = 8;
      const { xh, labels } = inputs(m, N, 22);
      const dist = Array.from(
        { length: N },
        (_, i) => m.boundaryDistance(xh, i, labels[i], norm === 'linf' ? 1 : 2).dist,
      );
      const x = T.tensor(xh, [N, ...shape]);
      const above = dist.map((v) => 1.03 * v),
        below = dist.map((v) => 0.97 * v);
      for (const run of [
        (e: number[]) => A.apgd({ model: m, x, labels, seed: 2 }, { norm, eps: e, steps: 50, loss: 'dlr' }),
        (e: number[]) =>
          A.apgdTargeted({ model: m, x, labels, seed: 2 }, { norm, eps: e, steps: 50, targetClasses: 4 }),
      ]) {
        const up = await run(above),
          down = await run(below);
        expect([...up.success].every((s) => s === 1)).toBe(true);
        expect([...down.success].some((s) => s === 1)).toBe(false);
        for (let i = 0; i < N; i++)
          expect(norm === 'linf' ? up.norms.linf[i] : up.norms.l2[i]).toBeLessThanOrEqual(above[i] * (1 + 1e-5));
      }
      x.dispose();
    });
  }

  test('APGD-CE targeted drives the prediction to the target class', async () => {
    const m = randomLinear(4, shape, 31);
    const N = 6;
    const { xh, labels } = inputs(m, N, 32);
    const targets = labels.map((y) => (y + 1) % 4);
    const x = T.tensor(xh, [N, ...shape]);
    const r = await A.apgd({ model: m, x, labels, targets, seed: 3 }, { norm: 'linf', eps: 0.3, steps: 30 });
    expect([...r.advPred]).toEqual(targets);
    x.dispose();
  });
});

describe('APGD >= PGD at equal steps on a trained ReLU network', () => {
  const ish = [1, 6, 6],
    d = 36,
    K = 3;
  const data = (n: number, seed: number): { x: Float64Array; y: number[] } => blobs(n, seed, d, K);
  let model: ReluNet, xTest: T.Tensor, yTest: number[];
  beforeAll(() => {
    model = new ReluNet(ish, 32, K, 5);
    const tr = data(300, 1);
    const xt = T.tensor(tr.x, [300, ...ish]);
    for (let it = 0; it < 150; it++) {
      T.tidy(() => {
        T.backward(T.crossEntropy(model.forward(xt), tr.y));
        for (const [k, p] of model.params) {
          const q = T.keep(T.noGrad(() => T.sub(p, T.mul(p.grad!, 0.5))));
          q.requireGrad();
          p.grad!.dispose();
          p.grad = null;
          p.dispose();
          model.params.set(k, q);
        }
      });
    }
    xt.dispose();
    const te = data(60, 2);
    xTest = T.tensor(te.x, [60, ...ish]);
    yTest = te.y;
  });

  test('robust accuracy of APGD-CE <= PGD (20 steps, Madry step 2.5 eps / steps, random start) at every eps; its best CE is at least PGD final CE', async () => {
    const steps = 20;
    const rows: { eps: number; pgd: number; apgd: number }[] = [];
    for (const eps of [0.02, 0.04, 0.06]) {
      const p = await A.pgd(
        { model, x: xTest, labels: yTest, seed: 1 },
        { norm: 'linf', eps, steps, relStepsize: 2.5 / steps, randomStart: true },
      );
      const q = await A.apgd(
        { model, x: xTest, labels: yTest, seed: 1 },
        { norm: 'linf', eps, steps, keep: 'max-loss' },
      );
      rows.push({ eps, pgd: p.stats.robustAccuracy, apgd: q.stats.robustAccuracy });
      expect(q.stats.robustAccuracy).toBeLessThanOrEqual(p.stats.robustAccuracy);
      // CE at PGD's last iterate, from its logits
      const zp = await A.logitsOf(model, T.tensor(p.adversarial, xTest.shape));
      const ceP = A.apgdLoss('ce', zp, 60, K, yTest).value;
      const meanP = ceP.reduce((s, v) => s + v, 0) / 60,
        meanQ = q.bestLoss.reduce((s, v) => s + v, 0) / 60;
      expect(meanQ).toBeGreaterThanOrEqual(meanP - 1e-6);
    }
    // the comparison is not vacuous: some eps leaves PGD with robust accuracy strictly between 0 and 1
    expect(rows.some((r) => r.pgd > 0 && r.pgd < 1)).toBe(true);
  }, 30_000);
});

describe('other backends', () => {
  test('APGD-CE (L2) and Square (Linf) on WASM match the reference backend (skipped when WASM is unavailable)', async (ctx) => {
    try {
      await T.getBackend('wasm');
    } catch {
      ctx.skip();
      return;
    }
    const sh = [1, 6, 6];
    const run = async (be: 'reference' | 'wasm') => {
      await T.setBackend(be);
      const model = new ReluNet(sh, 12, 4, 3);
      const xh = T.uniformArray(5 * 36, 21, 0);
      const x = T.tensor(xh, [5, ...sh]);
      const labels = [0, 1, 2, 3, 0];
      const p = await A.apgd({ model, x, labels, seed: 1 }, { norm: 'l2', eps: 0.5, steps: 10 });
      const q = await A.squareAttack({ model, x, labels, seed: 1 }, { norm: 'linf', eps: 0.05, queries: 30 });
      x.dispose();
      return { p, q };
    };
    const r = await run('reference');
    const w = await run('wasm');
    await T.setBackend('reference');
    const maxDiff = (a: Float32Array, b: Float32Array): number =>
      a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);
    expect(maxDiff(r.p.adversarial, w.p.adversarial)).toBeLessThan(1e-4);
    for (let i = 0; i < 5; i++)
      expect(Math.abs(r.p.bestLoss[i] - w.p.bestLoss[i])).toBeLessThan(1e-4 * (1 + Math.abs(r.p.bestLoss[i])));
    expect(maxDiff(r.q.adversarial, w.q.adversarial)).toBeLessThan(1e-6);
    expect(Array.from(w.q.advPred)).toEqual(Array.from(r.q.advPred));
  });
});
