import { describe, expect, it } from 'vitest';
import { tensor, linear, relu, reshape, Tensor, setBackend, ReferenceBackend, memory } from '../src/index.ts';
import type { Classifier, ForwardContext } from '../src/lab/nn/types.ts';
import { pathObservables, perExampleNorm } from '../src/lab/analysis/dynamics.ts';
import { betaDeltaSpearman, saliency } from '../src/lab/analysis/saliency.ts';
import { normalArray } from '../src/engine/core/random.ts';

await setBackend(new ReferenceBackend('float64'));

/** z = W2 relu?(W1 x + b1) (+ b2), or z = W x + b with one layer. */
class TinyNet implements Classifier {
  readonly spec = 'tiny';
  readonly inputShape: number[];
  constructor(
    readonly numClasses: number,
    private layers: { w: Tensor; b: Tensor }[],
    private useRelu: boolean,
    inputShape: number[],
  ) {
    this.inputShape = inputShape;
  }
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    let h = reshape(x, [x.shape[0], -1]);
    this.layers.forEach((l, i) => {
      h = linear(h, l.w, l.b);
      if (i < this.layers.length - 1 && this.useRelu) {
        ctx?.preActivations?.push(h);
        h = relu(h);
      }
    });
    return h;
  }
  parameters(): Map<string, Tensor> {
    return new Map(
      this.layers.flatMap(
        (l, i) =>
          [
            [`w${i}`, l.w],
            [`b${i}`, l.b],
          ] as [string, Tensor][],
      ),
    );
  }
  setTraining(): void {}
}

const C = 1,
  H = 4,
  Wd = 4,
  D = C * H * Wd;
function layer(out: number, inp: number, seed: number): { w: Tensor; b: Tensor } {
  return { w: tensor(normalArray(out * inp, seed), [out, inp]), b: tensor(normalArray(out, seed + 1), [out]) };
}

describe('path observables', () => {
  it('a linear model has no ReLU changes and zero roughness along any straight path', async () => {
    const m = new TinyNet(3, [layer(3, D, 1)], false, [C, H, Wd]);
    const x = tensor(normalArray(2 * D, 5), [2, C, H, Wd]);
    const d = tensor(
      normalArray(2 * D, 6).map((v) => 10 * v),
      [2, C, H, Wd],
    );
    const r = await pathObservables(m, x, d);
    expect(r.units).toBe(0);
    expect(r.reluChange).toEqual([0, 0]);
    for (const v of r.roughness) expect(v).toBeLessThan(1e-10);
    // a deep linear network (ReLU-free, two layers) is still linear
    const deep = new TinyNet(3, [layer(5, D, 2), layer(3, 5, 3)], false, [C, H, Wd]);
    for (const v of (await pathObservables(deep, x, d)).roughness) expect(v).toBeLessThan(1e-9);
  });

  it('a zero perturbation (no second difference) has roughness 0 and no ReLU changes', async () => {
    const m = new TinyNet(3, [layer(6, D, 1), layer(3, 6, 2)], true, [C, H, Wd]);
    const x = tensor(normalArray(D, 5), [1, C, H, Wd]);
    const r = await pathObservables(m, x, tensor(new Float64Array(D), [1, C, H, Wd]));
    expect(r.units).toBe(6);
    expect(r.roughness[0]).toBe(0);
    expect(r.reluChange[0]).toBe(0);
  });

  it('one ReLU crossing zero: change fraction 1/units and roughness |v b| / (P - 1) in closed form', async () => {
    // hidden unit h = x . e0 - 0.5 ; logit z = 2 relu(h); path x0 = 0 -> delta = e0 (crosses at t = 0.5037)
    const w1 = new Float64Array(2 * D);
    w1[0] = 1; // unit 0 reads pixel 0; unit 1 reads nothing
    const b1 = tensor([-0.5037, 1], [2]);
    const w2 = tensor([2, 0], [1, 2]);
    const m = new TinyNet(
      1,
      [
        { w: tensor(w1, [2, D]), b: b1 },
        { w: w2, b: tensor([0], [1]) },
      ],
      true,
      [C, H, Wd],
    );
    const x = tensor(new Float64Array(D), [1, C, H, Wd]);
    const dd = new Float64Array(D);
    dd[0] = 1;
    const P = 100;
    const r = await pathObservables(m, x, tensor(dd, [1, C, H, Wd]), { points: P });
    expect(r.reluChange[0]).toBeCloseTo(0.5, 12); // 1 of 2 units
    expect(r.reluChangeEndpoints[0]).toBeCloseTo(0.5, 12);
    // z(t) = 2 max(0, t - c): the second differences sum to the slope change times dt
    expect(r.roughness[0]).toBeCloseTo(2 / (P - 1), 10);
  });

  it('per-example norms', () => {
    expect(perExampleNorm([1, -3, 2, 0], 2, Infinity)).toEqual([3, 2]);
    expect(perExampleNorm([1, -3, 2, 0], 2, 1)).toEqual([4, 2]);
    expect(perExampleNorm([3, 4, 0, 0], 2, 2)).toEqual([5, 0]);
  });
});

describe('saliency', () => {
  it('of a linear model is the weight row of the chosen logit (max, label, index)', async () => {
    const l = layer(3, D, 4);
    const m = new TinyNet(3, [l], false, [C, H, Wd]);
    const xs = normalArray(2 * D, 8);
    const x = tensor(xs, [2, C, H, Wd]);
    const w = await l.w.dataF64();
    const z = await m.forward(x).dataF64();
    const argmax = [0, 1].map((i) => [0, 1, 2].reduce((a, k) => (z[i * 3 + k] > z[i * 3 + a] ? k : a), 0));
    const bMax = await saliency(m, x).dataF64();
    const bLab = await saliency(m, x, { logit: 'label', labels: [2, 0] }).dataF64();
    const b1 = await saliency(m, x, { logit: 1 }).dataF64();
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < D; j++) {
        expect(bMax[i * D + j]).toBeCloseTo(w[argmax[i] * D + j], 12);
        expect(bLab[i * D + j]).toBeCloseTo(w[[2, 0][i] * D + j], 12);
        expect(b1[i * D + j]).toBeCloseTo(w[D + j], 12);
      }
    expect(() => saliency(m, x, { logit: 'label' })).toThrow(/labels/);
  });

  it('does not leak tensors', () => {
    const m = new TinyNet(3, [layer(4, D, 4), layer(3, 4, 5)], true, [C, H, Wd]);
    const x = tensor(normalArray(2 * D, 8), [2, C, H, Wd]);
    const before = memory().tensors;
    saliency(m, x).dispose();
    expect(memory().tensors).toBe(before);
  });

  it('Spearman of |beta_hat| and |delta_hat| is 1 when delta is a multiple of beta', () => {
    const n = 2,
      shape = [n, 3, 8, 8];
    const beta = normalArray(n * 3 * 64, 1);
    const delta = beta.map((v) => -0.03 * v);
    const r = betaDeltaSpearman({ data: beta, shape }, { data: delta, shape });
    expect(r.mean).toBeCloseTo(1, 12);
    expect(r.ofAverages).toBeCloseTo(1, 12);
    const indep = betaDeltaSpearman({ data: beta, shape }, { data: normalArray(n * 3 * 64, 2), shape });
    expect(Math.abs(indep.mean)).toBeLessThan(0.5);
    const paper = betaDeltaSpearman({ data: beta, shape }, { data: delta, shape }, { betaPreprocess: 'paper' });
    expect(paper.perExample.length).toBe(2);
  });
});
