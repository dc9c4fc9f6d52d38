// Properties every attack must have: perturbations inside their ball and the box,
// exact random-control norms, determinism, no leaked tensors, correct samplers,
// projections and trust-region solvers.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import * as A from '../src/lab/attacks/index.ts';
import { randomLinear, ReluNet } from './attacks-models.ts';
import type { Classifier } from '../src/lab/nn/types.ts';

const shape = [2, 3, 3],
  D = 18;

function batch(n: number, seed: number, k: number): { x: T.Tensor; labels: number[] } {
  // values spread over the whole box (some exactly at 0 and 1) so that the box binds
  const u = T.uniformArray(n * D, seed, 0).map((v) => Math.min(1, Math.max(0, 1.2 * v - 0.1)));
  const labels = [...T.uniformArray(n, seed, 1)].map((v) => Math.floor(v * k));
  return { x: T.tensor(u, [n, ...shape]), labels };
}

function models(seed: number): Classifier[] {
  return [randomLinear(3, shape, seed, 3), new ReluNet(shape, 12, 4, seed)];
}

const tol = (eps: number): number => eps * (1 + 1e-5) + 1e-6;

describe('every perturbation respects its ball and the box', () => {
  for (const seed of [1, 2, 3]) {
    test(`random models and inputs, seed ${seed}`, async () => {
      for (const model of models(seed)) {
        const { x, labels } = batch(6, 100 + seed, model.numClasses);
        const x0 = await x.data();
        const checkBox = (r: A.AttackResult): void => {
          for (let j = 0; j < r.adversarial.length; j++) {
            expect(r.adversarial[j]).toBeGreaterThanOrEqual(0);
            expect(r.adversarial[j]).toBeLessThanOrEqual(1);
            expect(r.perturbation[j]).toBe(Math.fround(r.adversarial[j] - x0[j]));
          }
        };
        const epsOf: Record<A.Norm, number> = { linf: 0.1, l2: 0.5, l1: 2 };
        const runs: [A.Norm, Promise<A.AttackResult>][] = [];
        for (const norm of ['linf', 'l2', 'l1'] as const) {
          const eps = epsOf[norm];
          runs.push([norm, A.pgd({ model, x, labels, seed }, { norm, eps, steps: 8, relStepsize: 0.3 })]);
          runs.push([
            norm,
            A.pgd(
              { model, x, labels, seed },
              { norm, eps, steps: 8, absStepsize: 5 * eps, loss: 'margin', randomStart: false },
            ),
          ]);
        }
        runs.push([
          'l1',
          A.pgd({ model, x, labels, seed }, { norm: 'l1', eps: 2, steps: 8, relStepsize: 0.3, projection: 'exact' }),
        ]);
        runs.push(['linf', A.fgsm({ model, x, labels }, { eps: 0.1 })]);
        runs.push(['l2', A.fgm({ model, x, labels }, { eps: 0.5 })]);
        for (const [norm, p] of runs) {
          const r = await p;
          checkBox(r);
          const nr = A.normOf(r.norms, norm);
          for (let i = 0; i < 6; i++)
            expect(nr[i], `${r.attack} ${norm} example ${i}`).toBeLessThanOrEqual(tol(epsOf[norm]));
        }
        // per-example budgets
        const epsv = [0, 0.01, 0.05, 0.1, 0.2, 0.3];
        const rv = await A.pgd({ model, x, labels, seed }, { norm: 'l2', eps: epsv, steps: 5 });
        checkBox(rv);
        for (let i = 0; i < 6; i++) expect(rv.norms.l2[i]).toBeLessThanOrEqual(tol(epsv[i]));
        // minimal-norm search: the returned norm is at most the bracket's upper end
        const mn = await A.minimalNormSearch(
          { model, x, labels, seed },
          (a, eps) => A.pgd(a, { norm: 'linf', eps, steps: 5 }),
          { norm: 'linf', initEps: 0.05, bisectSteps: 4, maxExpand: 6 },
        );
        checkBox(mn);
        for (let i = 0; i < 6; i++)
          if (mn.isAdversarial[i]) expect(mn.norms.linf[i]).toBeLessThanOrEqual(tol(mn.eps![i]));
        // Brendel-Bethge stays in the box and returns adversarials only where it claims success
        const bb = await A.brendelBethge({ model, x, labels, seed }, { norm: 'l2', steps: 10, init: 'noise' });
        checkBox(bb);
        for (let i = 0; i < 6; i++) if (!bb.isAdversarial[i]) expect(bb.norms.l2[i]).toBe(0);
        x.dispose();
      }
    });
  }
});

describe('rates and bookkeeping', () => {
  test('success counts only correctly classified inputs; both rates are reported', async () => {
    const model = randomLinear(3, shape, 7, 3);
    const { x, labels } = batch(10, 8, 3);
    const r = await A.pgd({ model, x, labels, seed: 1 }, { norm: 'linf', eps: 0.2, steps: 10 });
    const clean = await A.predict(model, x);
    let nc = 0,
      ns = 0,
      na = 0;
    for (let i = 0; i < 10; i++) {
      expect(r.cleanCorrect[i]).toBe(clean[i] === labels[i] ? 1 : 0);
      expect(r.isAdversarial[i]).toBe(r.advPred[i] !== labels[i] ? 1 : 0);
      expect(r.success[i]).toBe(r.cleanCorrect[i] && r.isAdversarial[i] ? 1 : 0);
      nc += r.cleanCorrect[i];
      ns += r.success[i];
      na += r.isAdversarial[i];
    }
    expect(r.stats.cleanAccuracy).toBeCloseTo(nc / 10, 12);
    expect(r.stats.successRate).toBeCloseTo(nc ? ns / nc : 0, 12);
    expect(r.stats.adversarialRate).toBeCloseTo(na / 10, 12);
    expect(r.stats.robustAccuracy).toBeCloseTo(1 - na / 10, 12);
    x.dispose();
  });

  test('targeted PGD: success means the target class', async () => {
    const model = randomLinear(4, shape, 9, 4);
    const { x, labels } = batch(8, 10, 4);
    const targets = labels.map((y) => (y + 1) % 4);
    const r = await A.pgd({ model, x, labels, targets, seed: 2 }, { norm: 'linf', eps: 0.5, steps: 30 });
    for (let i = 0; i < 8; i++) expect(r.isAdversarial[i]).toBe(r.advPred[i] === targets[i] ? 1 : 0);
    expect(r.isAdversarial.reduce((s, v) => s + v, 0)).toBeGreaterThan(4);
    x.dispose();
  });

  test('clear errors for bad inputs', async () => {
    const model = randomLinear(3, shape, 1);
    const { x } = batch(2, 1, 3);
    await expect(A.pgd({ model, x, labels: [0] }, { norm: 'linf', eps: 0.1 })).rejects.toThrow(/1 labels for 2 inputs/);
    await expect(A.pgd({ model, x, labels: [0, 7] }, { norm: 'linf', eps: 0.1 })).rejects.toThrow(/label 7/);
    await expect(A.pgd({ model, x, labels: [0, 1] }, { norm: 'linf', eps: -1 })).rejects.toThrow(/eps must be/);
    const bad = T.zeros([2, 5]);
    await expect(A.pgd({ model, x: bad, labels: [0, 1] }, { norm: 'linf', eps: 0.1 })).rejects.toThrow(/input shape/);
    bad.dispose();
    x.dispose();
  });
});

describe('determinism and memory', () => {
  test('same seed, same result; another seed, another random start', async () => {
    const model = new ReluNet(shape, 8, 3, 4);
    const { x, labels } = batch(4, 5, 3);
    const run = (seed: number) => A.pgd({ model, x, labels, seed }, { norm: 'l2', eps: 0.5, steps: 3 });
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a.adversarial).toEqual(b.adversarial);
    expect(a.adversarial).not.toEqual(c.adversarial);
    const bb1 = await A.brendelBethge({ model, x, labels, seed: 3 }, { norm: 'linf', steps: 5 });
    const bb2 = await A.brendelBethge({ model, x, labels, seed: 3 }, { norm: 'linf', steps: 5 });
    expect(bb1.adversarial).toEqual(bb2.adversarial);
    x.dispose();
  });

  test('attacks free every tensor they create', async () => {
    const model = new ReluNet(shape, 8, 3, 4);
    const { x, labels } = batch(4, 5, 3);
    const before = T.memory().tensors;
    await A.pgd({ model, x, labels, seed: 1 }, { norm: 'linf', eps: 0.1, steps: 5 });
    await A.pgd({ model, x, labels, seed: 1 }, { norm: 'l1', eps: 1, steps: 5, projection: 'exact', loss: 'margin' });
    await A.brendelBethge({ model, x, labels, seed: 1 }, { norm: 'l2', steps: 5 });
    await A.minimalNormSearch({ model, x, labels }, (a, eps) => A.fgsm(a, { eps }), {
      norm: 'linf',
      initEps: 0.1,
      bisectSteps: 2,
      maxExpand: 2,
    });
    expect(T.memory().tensors).toBe(before);
    x.dispose();
  });

  test('progress is reported', async () => {
    const model = randomLinear(3, shape, 1);
    const { x, labels } = batch(2, 1, 3);
    const seen: number[] = [];
    await A.pgd({ model, x, labels, onProgress: (p) => seen.push(p.done) }, { norm: 'linf', eps: 0.1, steps: 7 });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    x.dispose();
  });
});

describe('the random-direction control', () => {
  test('has exactly the norm of each adversarial perturbation', async () => {
    const model = new ReluNet(shape, 8, 3, 6);
    const { x, labels } = batch(6, 7, 3);
    const adv = await A.pgd({ model, x, labels, seed: 1 }, { norm: 'l2', eps: [0.1, 0.2, 0.3, 0.4, 0.5, 0], steps: 5 });
    for (const p of ['l2', 'linf', 'l1'] as const) {
      const dir = A.randomDirections(adv.perturbation, 6, D, p, 11);
      for (let i = 0; i < 6; i++) {
        const want = A.vecNorm(adv.perturbation, p, i * D, D);
        const got = A.vecNorm(dir, p, i * D, D);
        if (want === 0) expect(got).toBe(0);
        else expect(Math.abs(got - want) / want).toBeLessThan(1e-14);
      }
    }
    const rc = await A.randomControl({ model, x, labels }, adv, 'l2', { seed: 3 });
    // the evaluated (float32, unclipped) points keep the norm to float32 precision
    for (let i = 0; i < 5; i++)
      expect(Math.abs(rc.result.norms.l2[i] - adv.norms.l2[i]) / adv.norms.l2[i]).toBeLessThan(1e-5);
    // a Gaussian direction: not the adversarial one
    const dot = rc.directions.slice(0, D).reduce((s, v, j) => s + v * adv.perturbation[j], 0);
    expect(Math.abs(dot) / adv.norms.l2[0] ** 2).toBeLessThan(0.9);
    x.dispose();
  });
});

describe('samplers, projection and trust-region solvers', () => {
  test('uniform ball samplers: inside the unit ball, radius^d uniform on [0,1]', () => {
    const n = 4000,
      d = 5;
    for (const [name, s, p] of [
      ['l2', A.uniformL2Ball(n, d, 1, 0), 'l2'],
      ['l1', A.uniformL1Ball(n, d, 2, 0), 'l1'],
      ['linf', A.uniformLinfBall(n, d, 3, 0), 'linf'],
    ] as const) {
      let m = 0;
      for (let i = 0; i < n; i++) {
        const r = A.vecNorm(s, p, i * d, d);
        expect(r, name).toBeLessThanOrEqual(1);
        m += r ** d;
      }
      // uniform in a ball of R^d: P(r <= t) = t^d, so r^d ~ U(0,1) with mean 1/2, sd 1/sqrt(12 n)
      expect(Math.abs(m / n - 0.5), name).toBeLessThan(4 / Math.sqrt(12 * n));
    }
  });

  test('exact L1-box projection: feasible and optimal (variational inequality against random feasible points)', () => {
    const d = 10;
    for (let trial = 0; trial < 30; trial++) {
      const v = T.normalArray(d, trial, 0);
      const x0 = T.uniformArray(d, trial, 1);
      const lo = x0.map((t) => -t),
        hi = x0.map((t) => 1 - t);
      const eps = 0.2 + 2 * T.uniformArray(1, trial, 2)[0];
      const p = new Float64Array(d);
      A.projectL1Box(v, lo, hi, eps, p);
      expect(A.vecNorm(p, 'l1')).toBeLessThanOrEqual(eps * (1 + 1e-12));
      for (let j = 0; j < d; j++) {
        expect(p[j]).toBeGreaterThanOrEqual(lo[j]);
        expect(p[j]).toBeLessThanOrEqual(hi[j]);
      }
      // (v - p).(q - p) <= 0 for every feasible q: q = random points of the set (convex combos of p and scaled clipped samples)
      for (let s = 0; s < 50; s++) {
        const u = T.normalArray(d, 1000 * trial + s, 3);
        const q = new Float64Array(d);
        for (let j = 0; j < d; j++) q[j] = Math.min(hi[j], Math.max(lo[j], u[j]));
        const n1 = A.vecNorm(q, 'l1');
        if (n1 > eps) for (let j = 0; j < d; j++) q[j] *= eps / n1;
        let ip = 0;
        for (let j = 0; j < d; j++) ip += (v[j] - p[j]) * (q[j] - p[j]);
        expect(ip).toBeLessThanOrEqual(1e-9);
      }
    }
  });

  test('Brendel-Bethge subproblems: feasible, on the plane, and no better feasible neighbour', () => {
    const d = 8;
    for (let trial = 0; trial < 20; trial++) {
      const x = T.uniformArray(d, trial, 0),
        x0 = T.uniformArray(d, trial, 1),
        b = T.normalArray(d, trial, 2);
      const dx = x0.map((v, j) => v - x[j]);
      const L = x.map((v) => -v),
        U = x.map((v) => 1 - v);
      const c = 0.3 * T.normalArray(1, trial, 3)[0];
      const r = 0.3 + T.uniformArray(1, trial, 4)[0];
      for (const norm of ['l2', 'linf'] as const) {
        const out = new Float64Array(d);
        if (norm === 'l2') A.solveL2(dx, b, L, U, c, r, out);
        else A.solveLinf(dx, b, L, U, c, r, out);
        const tr = A.vecNorm(out, norm);
        expect(tr).toBeLessThanOrEqual(r * (1 + 1e-9) + 1e-12);
        for (let j = 0; j < d; j++) {
          expect(out[j]).toBeGreaterThanOrEqual(L[j] - 1e-12);
          expect(out[j]).toBeLessThanOrEqual(U[j] + 1e-12);
        }
        const bd = out.reduce((s, v, j) => s + v * b[j], 0);
        const obj = (q: Float64Array): number =>
          A.vecNorm(
            q.map((v, j) => v - dx[j]),
            norm,
          );
        if (Math.abs(bd - c) < 1e-7) {
          // feasible neighbours (on the plane, in the box and the trust region) are no closer to x0
          const f0 = obj(out);
          for (let s = 0; s < 200; s++) {
            const z = T.normalArray(d, 7919 * trial + s, 5);
            const bz = z.reduce((t, v, j) => t + v * b[j], 0),
              bb = b.reduce((t, v) => t + v * v, 0);
            const q = out.map((v, j) => v + 1e-3 * (z[j] - (bz / bb) * b[j]));
            if (q.some((v, j) => v < L[j] || v > U[j]) || A.vecNorm(q, norm) > r) continue;
            expect(obj(q)).toBeGreaterThanOrEqual(f0 - 1e-9);
          }
        }
      }
    }
  });
});

describe('other backends give the same attacks', () => {
  test('PGD L2 and Brendel-Bethge Linf on WASM match the reference backend (skipped when WASM is unavailable)', async (ctx) => {
    let wasm: T.Backend;
    try {
      wasm = await T.getBackend('wasm');
    } catch {
      ctx.skip();
      return;
    }
    const run = async (be: 'reference' | 'wasm') => {
      await T.setBackend(be);
      const model = new ReluNet(shape, 12, 4, 3);
      const { x, labels } = batch(5, 21, 4);
      const p = await A.pgd({ model, x, labels, seed: 1 }, { norm: 'l2', eps: 0.5, steps: 10, randomStart: true });
      const bb = await A.brendelBethge(
        { model, x, labels, seed: 1 },
        { norm: 'linf', steps: 20, lr: 0.05, init: 'noise' },
      );
      x.dispose();
      return { p, bb };
    };
    const r = await run('reference');
    const w = await run('wasm');
    await T.setBackend('reference');
    expect(wasm.name).toBe('wasm');
    let dp = 0;
    for (let j = 0; j < r.p.adversarial.length; j++)
      dp = Math.max(dp, Math.abs(r.p.adversarial[j] - w.p.adversarial[j]));
    expect(dp).toBeLessThan(1e-4);
    expect(Array.from(w.p.advPred)).toEqual(Array.from(r.p.advPred));
    for (let i = 0; i < 5; i++)
      expect(Math.abs(w.bb.norms.linf[i] - r.bb.norms.linf[i])).toBeLessThan(1e-3 + 0.02 * r.bb.norms.linf[i]);
  });
});

describe('bestOf', () => {
  test('keeps, per example, the smaller successful adversarial', async () => {
    const model = new ReluNet(shape, 12, 3, 8);
    const { x, labels } = batch(6, 31, 3);
    const a = { model, x, labels, seed: 2 };
    const bb = await A.brendelBethge(a, { norm: 'l2', steps: 10, init: 'noise' });
    const mn = await A.minimalNormSearch(a, (b, eps) => A.pgd(b, { norm: 'l2', eps, steps: 5 }), {
      norm: 'l2',
      initEps: 0.2,
      bisectSteps: 3,
    });
    const best = await A.bestOf(a, [bb, mn], 'l2');
    for (let i = 0; i < 6; i++) {
      const cands = [bb, mn].filter((r) => r.isAdversarial[i]).map((r) => r.norms.l2[i]);
      if (!cands.length) {
        expect(best.isAdversarial[i]).toBe(0);
        continue;
      }
      expect(best.isAdversarial[i]).toBe(1);
      expect(best.norms.l2[i]).toBeCloseTo(Math.min(...cands), 6);
    }
    x.dispose();
  });
});
