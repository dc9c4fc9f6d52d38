// Fourier sensitivity maps: the basis images, and a constructed model that
// only sees one frequency lights up there and nowhere else.
import { beforeAll, describe, expect, it } from 'vitest';
import { fourierBasisImage, fourierSensitivityMap } from '../src/lab/analysis/fourier-map.ts';
import { dft2 } from '../src/lab/analysis/fourier.ts';
import type { Classifier } from '../src/lab/nn/types.ts';
import { tensor } from '../src/engine/ops/creation.ts';
import { matmul } from '../src/engine/ops/linalg.ts';
import { reshape } from '../src/engine/ops/layout.ts';
import type { Tensor } from '../src/engine/tensor.ts';
import { uniformArray } from '../src/engine/core/random.ts';
import { setBackend } from '../src/engine/backends/registry.ts';

beforeAll(async () => {
  await setBackend('reference');
});

const H = 8,
  W = 8;

/** Two logits (s, -s) with s = <x, P>: the model depends on x only through one basis image P. */
function oneFrequencyModel(P: Float64Array): Classifier {
  const Wm = new Float32Array(H * W * 2);
  for (let j = 0; j < H * W; j++) {
    Wm[2 * j] = P[j];
    Wm[2 * j + 1] = -P[j];
  }
  const w = tensor(Wm, [H * W, 2]);
  return {
    spec: 'one-frequency',
    numClasses: 2,
    inputShape: [1, H, W],
    forward: (x: Tensor) => matmul(reshape(x, [x.shape[0], H * W]), w),
    parameters: () => new Map(),
    setTraining: () => {},
  };
}

describe('Fourier sensitivity map', () => {
  it('basis images have unit norm and a DFT supported on {k, -k}', () => {
    for (const [ky, kx] of [
      [0, 1],
      [2, -3],
      [4, 4],
      [0, 0],
      [-1, 2],
    ]) {
      const u = fourierBasisImage(H, W, ky, kx);
      expect(u.reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 12);
      const z = dft2(u, H, W, 'unitary');
      const on = new Set([((ky + H) % H) * W + ((kx + W) % W), ((-ky + H) % H) * W + ((-kx + W) % W)]);
      for (let i = 0; i < H * W; i++) {
        const m = Math.hypot(z[2 * i], z[2 * i + 1]);
        if (on.has(i)) expect(m).toBeGreaterThan(0.5);
        else expect(m).toBeLessThan(1e-12);
      }
    }
  });

  it('a model that only sees frequency (ky, kx) = (2, -3) lights up exactly at (2, -3) and (-2, 3)', async () => {
    const ky = 2,
      kx = -3,
      eps = 3,
      n = 40;
    const model = oneFrequencyModel(fourierBasisImage(H, W, ky, kx));
    const x = Float32Array.from(uniformArray(n * H * W, 5), (u) => 0.25 + 0.5 * u);
    // labels = the clean predictions, so every error is caused by the perturbation
    const clean = await model.forward(tensor(x, [n, 1, H, W])).data();
    const labels = Array.from({ length: n }, (_, i) => (clean[2 * i] >= clean[2 * i + 1] ? 0 : 1));
    const map = await fourierSensitivityMap(model, x, labels, { eps, clip: null, seed: 1 });
    expect(map.cleanError).toBe(0);
    const at = (a: number, b: number): number => (a + H / 2) * W + (b + W / 2);
    const hot = new Set([at(ky, kx), at(-ky, -kx)]);
    for (let i = 0; i < H * W; i++) {
      if (hot.has(i)) {
        // |Delta logits| = sqrt(2) * eps * <U, P> = sqrt(2) eps; |s| < 0.5 * ||P||_1 / 8 << eps, so the sign r decides
        expect(map.logitChange[i]).toBeCloseTo(Math.SQRT2 * eps, 4);
        expect(map.errorRate[i]).toBeGreaterThan(0.3);
        expect(map.errorRate[i]).toBeLessThan(0.7);
        expect(map.flipRate[i]).toBe(map.errorRate[i]); // every image was correct
      } else {
        expect(map.errorRate[i]).toBe(0);
        expect(map.flipRate[i]).toBe(0);
        expect(map.logitChange[i]).toBeLessThan(1e-5);
      }
    }
    // the error is exactly the fraction of images whose random sign opposes s
    expect(map.errorRate[at(ky, kx)]).toBe(map.errorRate[at(-ky, -kx)]);
  });

  it('clipping to [0, 1] keeps the perturbed images in range and spreads nothing into other frequencies when no pixel saturates', async () => {
    const model = oneFrequencyModel(fourierBasisImage(H, W, 1, 1));
    const n = 10;
    const x = Float32Array.from(uniformArray(n * H * W, 2), (u) => 0.4 + 0.2 * u);
    const labels = new Array(n).fill(0);
    const m = await fourierSensitivityMap(model, x, labels, { eps: 0.5 }); // |eps U| <= 0.5 * 2/8 = 0.125: no clipping
    for (let i = 0; i < H * W; i++)
      if (i !== (1 + 4) * W + 5 && i !== (-1 + 4) * W + 3) expect(m.logitChange[i]).toBeLessThan(1e-5);
  });
});
