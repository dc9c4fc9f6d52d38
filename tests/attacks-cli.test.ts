// The attack command end to end: a checkpoint of a small model on the synthetic
// data set, attacked through `run()`, with summary.json and the safetensors output checked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../src/index.ts';
import { loadDataset } from '../src/lab/data/registry.ts';
import { buildModel } from '../src/lab/nn/models.ts';
import { saveCheckpoint } from '../src/lab/io/checkpoint.ts';
import { decodeSafetensors } from '../src/lab/io/safetensors.ts';
import { run } from '../src/cli/attack.ts';

let dir = '';
const data = 'synthetic-28:train=400,test=40,seed=3';

beforeAll(async () => {
  await T.setBackend('reference');
  dir = mkdtempSync(join(tmpdir(), 'ifrlab-attack-'));
  // fc-w32-d1-relu set up as the nearest-class-mean classifier of the training split
  // (hidden unit k = m_k.x - |m_k|^2/2 + C > 0, readout = identity), well above chance on this data
  const ds = await loadDataset(data);
  const D = 784, K = 10, H = 32;
  const means = new Float64Array(K * D), count = new Float64Array(K);
  for (let i = 0; i < ds.train.n; i++) {
    const y = ds.train.y[i];
    count[y]++;
    for (let j = 0; j < D; j++) means[y * D + j] += ds.train.x[i * D + j] * ds.train.scale;
  }
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) means[k * D + j] /= count[k];
  const w1 = new Float32Array(H * D), b1 = new Float32Array(H), w2 = new Float32Array(K * H), b2 = new Float32Array(K);
  let C = 0;
  for (let k = 0; k < K; k++) {
    let sq = 0;
    for (let j = 0; j < D; j++) { w1[k * D + j] = means[k * D + j]; sq += means[k * D + j] ** 2; }
    b1[k] = -0.5 * sq;
    C = Math.max(C, 0.5 * sq);
    w2[k * H + k] = 1;
  }
  for (let k = 0; k < K; k++) b1[k] += C;
  const init = new Map([['hidden0.weight', { shape: [H, D], data: w1 }], ['hidden0.bias', { shape: [H], data: b1 }], ['readout.weight', { shape: [K, H], data: w2 }], ['readout.bias', { shape: [K], data: b2 }]]);
  const model = buildModel('fc-w32-d1-relu', { inputShape: [1, 28, 28], numClasses: K, seed: 1, init });
  await saveCheckpoint(join(dir, 'm.safetensors'), model, { format: 'ifrlab-checkpoint', version: 1, spec: model.spec, inputShape: [1, 28, 28], numClasses: K, data, seed: 1, epoch: 0 });
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('ifrlab attack', () => {
  test('pgd-linf writes summary.json and perturbations within the budget; the random control matches norms', async () => {
    const out = join(dir, 'pgd');
    await run(['--checkpoint', join(dir, 'm.safetensors'), '--attack', 'pgd-linf', '--eps', '0.03', '--steps', '5', '--n', '12', '--batch', '5', '--out', out, '--random-control', '--quiet', '--backend', 'reference']);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.n).toBe(12);
    expect(s.attack).toBe('pgd-linf');
    expect(s.cleanAccuracy).toBeGreaterThan(0.2); // chance is 0.1
    expect(s.successRate).toBeGreaterThan(0);
    expect(s.randomControl.maxNormMismatch).toBeLessThan(1e-5);
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'perturbations.safetensors'))));
    const p = tensors.get('perturbation')!;
    expect(p.shape).toEqual([12, 1, 28, 28]);
    for (const v of p.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.03 * (1 + 1e-5));
    // success flags agree with the summary
    const succ = tensors.get('success')!.data.reduce((a, b) => a + b, 0);
    expect(succ).toBe(s.successes);
    expect(s.norms.linf.count).toBe(s.successes);
  });

  test('min-pgd-l2 records the per-example budget; unknown attacks fail clearly', async () => {
    const out = join(dir, 'min');
    await run(['--checkpoint', join(dir, 'm.safetensors'), '--attack', 'min-pgd-l2', '--steps', '5', '--n', '4', '--out', out, '--quiet', '--backend', 'reference']);
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'perturbations.safetensors'))));
    expect(tensors.get('eps')!.shape).toEqual([4]);
    await expect(run(['--checkpoint', join(dir, 'm.safetensors'), '--attack', 'nope', '--out', out])).rejects.toThrow(/unknown attack 'nope'/);
  });
});
