// `ifrlab analyse fourier-map` end to end on a checkpoint of a linear model:
// without clipping the mean logit change at frequency k is exactly
// eps * ||f(U_k) - f(0)||_2, which the test recomputes from the model.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../src/index.ts';
import { buildModel } from '../src/lab/nn/models.ts';
import { saveCheckpoint } from '../src/lab/io/checkpoint.ts';
import { fourierBasisImage } from '../src/lab/analysis/fourier-map.ts';
import { run } from '../src/cli/analyse.ts';

let dir = '';
const data = 'synthetic-28:train=20,test=10,seed=3';
const model = (): ReturnType<typeof buildModel> =>
  buildModel('fc-w16-d1-linear', { inputShape: [1, 28, 28], numClasses: 10, seed: 4 });

beforeAll(async () => {
  await T.setBackend('reference');
  dir = mkdtempSync(join(tmpdir(), 'ifrlab-fmap-'));
  const m = model();
  await saveCheckpoint(join(dir, 'm.safetensors'), m, {
    format: 'ifrlab-checkpoint',
    version: 1,
    spec: m.spec,
    inputShape: [1, 28, 28],
    numClasses: 10,
    data,
    seed: 4,
    epoch: 0,
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ifrlab analyse fourier-map', () => {
  test('writes the map; for a linear model the logit change is eps * ||f(U_k) - f(0)||', async () => {
    const out = join(dir, 'map'),
      eps = 2;
    await run([
      'fourier-map',
      '--checkpoint',
      join(dir, 'm.safetensors'),
      '--n',
      '4',
      '--eps',
      String(eps),
      '--no-clip',
      '--quiet',
      '--backend',
      'reference',
      '--out',
      out,
    ]);
    const j = JSON.parse(readFileSync(join(out, 'fourier-map.json'), 'utf8'));
    expect(existsSync(join(out, 'fourier-map.svg'))).toBe(true);
    expect([j.H, j.W, j.n, j.errorRate.length]).toEqual([28, 28, 4, 784]);
    const m = model();
    const f = async (img: Float64Array): Promise<Float32Array> =>
      m.forward(T.tensor(Float32Array.from(img), [1, 1, 28, 28])).data();
    const f0 = await f(new Float64Array(784));
    for (const [ky, kx] of [
      [0, 0],
      [0, 1],
      [3, -5],
      [-14, -14],
      [7, 2],
    ]) {
      const fu = await f(fourierBasisImage(28, 28, ky, kx));
      const want = eps * Math.hypot(...Array.from(fu, (v, i) => v - f0[i]));
      const cell = (ky + 14) * 28 + (kx + 14),
        mirror = ((-ky + 14 + 28) % 28) * 28 + ((-kx + 14 + 28) % 28);
      expect(j.logitChange[cell]).toBeCloseTo(want, 4);
      expect(j.logitChange[mirror]).toBe(j.logitChange[cell]);
      expect(j.errorRate[cell]).toBeGreaterThanOrEqual(0);
      expect(j.errorRate[cell]).toBeLessThanOrEqual(1);
    }
  });

  test('refuses an unknown analysis', async () => {
    await expect(run(['nope', '--checkpoint', 'x', '--out', 'y'])).rejects.toThrow(/unknown analysis 'nope'/);
  });
});
