// The attack command end to end: a checkpoint of a small model on the synthetic
// data set, attacked through `run()`, with summary.json and the safetensors output checked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../src/index.ts';
import { loadDataset } from '../src/lab/data/registry.ts';
import { buildModel } from '../src/lab/nn/models.ts';
import { saveCheckpoint } from '../src/lab/io/checkpoint.ts';
import { decodeSafetensors } from '../src/lab/io/safetensors.ts';
import { run } from '../src/cli/attack.ts';
import { run as runReport } from '../src/cli/report.ts';
import { decodePng } from '../src/lab/data/png.ts';

let dir = '';
const data = 'synthetic-28:train=400,test=40,seed=3';

beforeAll(async () => {
  await T.setBackend('reference');
  dir = mkdtempSync(join(tmpdir(), 'ifrlab-attack-'));
  // fc-w32-d1-relu set up as the nearest-class-mean classifier of the training split
  // (hidden unit k = m_k.x - |m_k|^2/2 + C > 0, readout = identity), well above chance on this data
  const ds = await loadDataset(data);
  const D = 784,
    K = 10,
    H = 32;
  const means = new Float64Array(K * D),
    count = new Float64Array(K);
  for (let i = 0; i < ds.train.n; i++) {
    const y = ds.train.y[i];
    count[y]++;
    for (let j = 0; j < D; j++) means[y * D + j] += ds.train.x[i * D + j] * ds.train.scale;
  }
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) means[k * D + j] /= count[k];
  const w1 = new Float32Array(H * D),
    b1 = new Float32Array(H),
    w2 = new Float32Array(K * H),
    b2 = new Float32Array(K);
  let C = 0;
  for (let k = 0; k < K; k++) {
    let sq = 0;
    for (let j = 0; j < D; j++) {
      w1[k * D + j] = means[k * D + j];
      sq += means[k * D + j] ** 2;
    }
    b1[k] = -0.5 * sq;
    C = Math.max(C, 0.5 * sq);
    w2[k * H + k] = 1;
  }
  for (let k = 0; k < K; k++) b1[k] += C;
  const init = new Map([
    ['hidden0.weight', { shape: [H, D], data: w1 }],
    ['hidden0.bias', { shape: [H], data: b1 }],
    ['readout.weight', { shape: [K, H], data: w2 }],
    ['readout.bias', { shape: [K], data: b2 }],
  ]);
  const model = buildModel('fc-w32-d1-relu', { inputShape: [1, 28, 28], numClasses: K, seed: 1, init });
  await saveCheckpoint(join(dir, 'm.safetensors'), model, {
    format: 'ifrlab-checkpoint',
    version: 1,
    spec: model.spec,
    inputShape: [1, 28, 28],
    numClasses: K,
    data,
    seed: 1,
    epoch: 0,
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ifrlab attack', () => {
  test('pgd-linf writes summary.json and perturbations within the budget; the random control matches norms', async () => {
    const out = join(dir, 'pgd');
    await run([
      '--checkpoint',
      join(dir, 'm.safetensors'),
      '--attack',
      'pgd-linf',
      '--eps',
      '0.03',
      '--steps',
      '5',
      '--n',
      '12',
      '--batch',
      '5',
      '--out',
      out,
      '--random-control',
      '--quiet',
      '--backend',
      'reference',
    ]);
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
    await run([
      '--checkpoint',
      join(dir, 'm.safetensors'),
      '--attack',
      'min-pgd-l2',
      '--steps',
      '5',
      '--n',
      '4',
      '--out',
      out,
      '--quiet',
      '--backend',
      'reference',
    ]);
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'perturbations.safetensors'))));
    expect(tensors.get('eps')!.shape).toEqual([4]);
    await expect(run(['--checkpoint', join(dir, 'm.safetensors'), '--attack', 'nope', '--out', out])).rejects.toThrow(
      /unknown attack 'nope'/,
    );
  });

  test('a list of eps gives the robust-accuracy curve in one run, with report.md and figures; ifrlab report collects it', async () => {
    const out = join(dir, 'curve');
    await run([
      '--checkpoint',
      join(dir, 'm.safetensors'),
      '--attack',
      'apgd-ce-linf',
      '--eps',
      '1/255,8/255,32/255',
      '--steps',
      '10',
      '--n',
      '10',
      '--out',
      out,
      '--quiet',
      '--backend',
      'reference',
    ]);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.curve.map((p: { eps: number }) => p.eps)).toEqual([1 / 255, 8 / 255, 32 / 255]);
    const ra = s.curve.map((p: { robustAccuracy: number }) => p.robustAccuracy);
    expect(ra[0]).toBeGreaterThanOrEqual(ra[2]);
    expect(ra[0]).toBeLessThanOrEqual(s.cleanAccuracy);
    // the stored perturbations are those of the largest eps
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'perturbations.safetensors'))));
    for (const v of tensors.get('perturbation')!.data) expect(Math.abs(v)).toBeLessThanOrEqual((32 / 255) * (1 + 1e-5));
    expect(s.robustAccuracy).toBeCloseTo(ra[2], 12);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const f of ['examples.png', 'perturbation-spectrum.svg', 'success-vs-norm.svg', 'robust-accuracy.svg']) {
      expect(md).toContain(`](${f})`);
      expect(existsSync(join(out, f))).toBe(true);
    }
    const png = await decodePng(new Uint8Array(readFileSync(join(out, 'examples.png'))));
    expect(png.height).toBe(2 + 3 * (28 * 4 + 2));
    expect(readFileSync(join(out, 'success-vs-norm.svg'), 'utf8')).toMatch(/^<svg/);
    await runReport([join(dir, 'pgd'), out, '--out', join(dir, 'page.md')]);
    const page = readFileSync(join(dir, 'page.md'), 'utf8');
    expect(page).toContain('attack apgd-ce-linf');
    expect(page).toContain('](curve/examples.png)');
  }, 60_000);

  test('ensemble-linf prints the sanity checks; an alias is accepted with a notice; a list of eps for a minimal-norm attack is refused', async () => {
    const out = join(dir, 'ens');
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => {
      logs.push(a.join(' '));
    };
    try {
      await run([
        '--checkpoint',
        join(dir, 'm.safetensors'),
        '--attack',
        'ensemble-linf',
        '--eps',
        '2/255,16/255',
        '--steps',
        '5',
        '--target-classes',
        '2',
        '--queries',
        '50',
        '--bb-steps',
        '20',
        '--n',
        '6',
        '--out',
        out,
        '--quiet',
        '--backend',
        'reference',
      ]);
    } finally {
      console.log = log;
    }
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.checks.length).toBe(6);
    expect(logs.filter((l) => /^(PASS|FAIL)  /.test(l)).length).toBe(6);
    expect(s.curve[1].robustAccuracy).toBeLessThanOrEqual(s.curve[0].robustAccuracy);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Gradient-masking sanity checks');
    const err: string[] = [];
    const w = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => {
      err.push(String(c));
      return true;
    }) as typeof process.stderr.write;
    try {
      await run([
        '--checkpoint',
        join(dir, 'm.safetensors'),
        '--attack',
        'pgd',
        '--eps',
        '0.01',
        '--steps',
        '2',
        '--n',
        '3',
        '--out',
        join(dir, 'alias'),
        '--quiet',
        '--backend',
        'reference',
      ]);
    } finally {
      process.stderr.write = w;
    }
    expect(err.join('')).toContain("attack 'pgd' is read as 'pgd-linf'");
    expect(JSON.parse(readFileSync(join(dir, 'alias', 'summary.json'), 'utf8')).attack).toBe('pgd-linf');
    await expect(
      run(['--checkpoint', join(dir, 'm.safetensors'), '--attack', 'bb-l2', '--eps', '1,2', '--out', out]),
    ).rejects.toThrow(/list of eps needs a fixed-budget attack/);
  }, 60_000);
});
