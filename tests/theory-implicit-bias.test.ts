// The implicit-bias study at a tiny size reaches the theorem's alignment, and
// the parametrisations compute what their definitions say.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultImplicitBiasConfig, drawProblem, imagePool, implicitBias } from '../src/lab/theory/implicit-bias.ts';
import { summarise } from '../src/lab/experiments/implicit-bias.ts';
import {
  forwardNet,
  initParams,
  logLoss,
  paramShapes,
  responseBeta,
  trainNet,
  type NetSpec,
} from '../src/lab/theory/nets.ts';
import { fourierL1Norm, groupMagnitudes } from '../src/lab/theory/solvers.ts';
import { float64Backend, setBackend } from '../src/engine/backends/registry.ts';
import { tensor } from '../src/engine/ops/creation.ts';
import { normalArray } from '../src/engine/core/random.ts';

beforeAll(async () => {
  await setBackend(float64Backend());
});

describe('parametrisations', () => {
  it('2-layer circular conv: f(x) = sum_d w2[d] (1/sqrt D) sum_k w1[k] x[(d+k) mod D]; beta = f(e_d)', () => {
    const D = 5,
      s: NetSpec = { family: 'conv', L: 2, H: 1, W: D };
    const [w1, w2] = initParams(s, 1, 3);
    const x = Float64Array.from(normalArray(D, 4));
    let ref = 0;
    for (let d = 0; d < D; d++) {
      let h = 0;
      for (let k = 0; k < D; k++) h += w1[k] * x[(d + k) % D];
      ref += (w2[d] * h) / Math.sqrt(D);
    }
    const f = forwardNet(s, [tensor(w1, [1, D]), tensor(w2, [1, D])], tensor(x, [1, D])).dataSyncF64()[0];
    expect(f).toBeCloseTo(ref, 12);
    const beta = responseBeta(s, [w1, w2]);
    expect(beta.reduce((a, b, i) => a + b * x[i], 0)).toBeCloseTo(ref, 12);
  });

  it('fc beta is the product of the weight matrices; diag beta the product of the vectors', () => {
    const s: NetSpec = { family: 'fc', L: 3, H: 1, W: 3, width: 2 };
    expect(paramShapes(s)).toEqual([
      [3, 2],
      [2, 2],
      [2, 1],
    ]);
    const [a, b, c] = initParams(s, 1, 1);
    const beta = responseBeta(s, [a, b, c]);
    for (let d = 0; d < 3; d++) {
      let v = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) v += a[d * 2 + i] * b[i * 2 + j] * c[j];
      expect(beta[d]).toBeCloseTo(v, 12);
    }
    const g: NetSpec = { family: 'diag', L: 3, H: 1, W: 4 };
    const ps = initParams(g, 1, 2);
    responseBeta(g, ps).forEach((v, d) => expect(v).toBeCloseTo(ps[0][d] * ps[1][d] * ps[2][d], 12));
  });

  it('bounded-width conv keeps its kernels on k taps through training', () => {
    const s: NetSpec = { family: 'bwc', L: 2, H: 1, W: 6, k: 2 };
    const ps = initParams(s, 0.5, 1);
    const x = Float64Array.from(normalArray(5 * 6, 9));
    trainNet(s, ps, x, [1, -1, 1, -1, 1], { loss: 'exp', schedule: 'normalised', lr: 0.1, steps: 20 });
    for (let j = 2; j < 6; j++) expect(Math.abs(ps[0][j])).toBe(0);
    expect(ps[0].slice(0, 2).some((v) => v !== 0)).toBe(true);
  });

  it('the log-losses are log sum exp(-m) and log sum log(1 + exp(-m)) with exact gradients, finite at margins of 1e60', () => {
    const m = [0.5, -1, 2, 0];
    const direct = {
      exp: (v: number[]) => Math.log(v.reduce((a, x) => a + Math.exp(-x), 0)),
      logistic: (v: number[]) => Math.log(v.reduce((a, x) => a + Math.log1p(Math.exp(-x)), 0)),
    };
    for (const loss of ['exp', 'logistic'] as const) {
      const r = logLoss(m, loss);
      expect(r.value).toBeCloseTo(direct[loss](m), 12);
      m.forEach((_, i) => {
        const h = 1e-6,
          a = [...m],
          b = [...m];
        a[i] += h;
        b[i] -= h;
        expect(r.grad[i]).toBeCloseTo((direct[loss](a) - direct[loss](b)) / (2 * h), 8);
      });
      const big = logLoss([1e60, 2e60], loss);
      expect(big.value / -1e60).toBeCloseTo(1, 12);
      expect(big.grad[0]).toBeCloseTo(-1, 12); // the smallest margin takes all the weight
      expect(big.grad[1]).toBe(-0);
    }
  });
});

describe('real-image signals', () => {
  it('imagePool: grey, block-averaged to H x W, centred, mean square norm D; drawProblem balances the classes', () => {
    // 4 grey 2x4 images of classes 0, 1, 2, 1; image i has pixel (r, c) = i + c
    const x = new Float64Array(4 * 8);
    for (let i = 0; i < 4; i++) for (let r = 0; r < 2; r++) for (let c = 0; c < 4; c++) x[i * 8 + r * 4 + c] = i + c;
    const pool = imagePool(x, [0, 1, 2, 1], [1, 2, 4], [0, 1], 1, 2);
    expect(pool.n).toBe(3);
    expect(Array.from(pool.y)).toEqual([1, -1, -1]);
    // block means (c = 0,1 and 2,3): image i -> (i + 0.5, i + 2.5); centred over images 0, 1, 3 (mean 4/3), then scaled
    const raw = [0, 1, 3].flatMap((i) => [i + 0.5 - (4 / 3 + 0.5), i + 2.5 - (4 / 3 + 2.5)]);
    const f = Math.sqrt((2 * 3) / raw.reduce((a, v) => a + v * v, 0));
    raw.forEach((v, j) => expect(pool.x[j]).toBeCloseTo(v * f, 12));
    const p = drawProblem({ H: 1, W: 2, N: 2 }, 0, pool);
    expect(p.y).toEqual([1, -1]);
  });
});

describe('implicit-bias study (tiny)', () => {
  it('D = 6, N = 5: FC reaches the l2 limit (>= 0.99), full-width conv the Fourier-l1 limit (>= 0.95), each clearly further from the other', async () => {
    const cfg = { ...defaultImplicitBiasConfig(), families: 'fc+conv', seeds: 1, steps: 600, checkpoints: 8 };
    const problems = await implicitBias(cfg);
    const p = problems[0];
    expect(p.limits.gaps.l2).toBeLessThan(1e-6);
    expect(p.limits.gaps.fourier).toBeLessThan(1e-6);
    const s = summarise(problems, ['fc', 'conv']);
    expect(s.final.fc.l2[0]).toBeGreaterThanOrEqual(0.99);
    expect(s.final.conv.fourier[0]).toBeGreaterThanOrEqual(0.95);
    expect(s.final.fc.l2[0] - s.final.fc.fourier[0]).toBeGreaterThan(0.05);
    expect(s.final.conv.fourier[0] - s.final.conv.l2[0]).toBeGreaterThan(0.05);
    expect(s.checks.every((c) => c.holds)).toBe(true);
    // the conv spectrum ends on the limit's spectrum (both divided by their maximum), far from where it started
    const conv = p.runs.find((r) => r.family === 'conv')!;
    const lim = groupMagnitudes(fourierL1Norm(1, 6), p.limits.fourier),
      mx = Math.max(...lim);
    const dist = (sp: number[]): number => Math.max(...sp.map((v, k) => Math.abs(v - lim[k] / mx)));
    expect(dist(conv.checkpoints.at(-1)!.spectrum)).toBeLessThan(0.1);
    expect(dist(conv.checkpoints[0].spectrum)).toBeGreaterThan(0.2);
  });
});
