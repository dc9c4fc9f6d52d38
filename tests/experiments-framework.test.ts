import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend, ReferenceBackend } from '../src/index.ts';
import { nodeIO, runExperiment, type ExperimentContext } from '../src/lab/experiments/index.ts';
import { quickStudy } from '../src/lab/experiments/quick-study.ts';
import { dynamics } from '../src/lab/experiments/dynamics.ts';
import { fourierStatistics } from '../src/lab/experiments/pipeline.ts';
import { heatmap, linePlot, niceTicks, grid } from '../src/lab/report/svg.ts';
import { mdTable, pm } from '../src/lab/report/markdown.ts';
import { paperKey, TABLE1, TABLE3 } from '../src/lab/experiments/paper.ts';
import { normalArray } from '../src/engine/core/random.ts';
import type { ModelStudyConfig, ModelStudyResult } from '../src/lab/experiments/model-study.ts';

await setBackend(new ReferenceBackend('float32'));

async function ctxFor(out: string): Promise<ExperimentContext> {
  return { out, scale: 'quick', io: await nodeIO(), seed: 0, progress: () => {}, log: () => {} };
}

describe('SVG and Markdown', () => {
  it('line plots and heat maps are standalone SVG with labels and a colour bar', () => {
    const svg = linePlot(
      [
        { label: 'a<b', x: [0, 1, 2], y: [1, 4, 9] },
        { label: 'c', x: [0, 1, 2], y: [2, 2, 2] },
      ],
      { xlabel: 'epoch', ylabel: 'norm (pixels)', title: 'T' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('epoch');
    expect(svg).toContain('norm (pixels)');
    expect(svg).toContain('a&lt;b');
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    const hm = heatmap([0, 1, 2, 3], 2, 2, { colorLabel: 'log |X|' });
    expect(hm.match(/<rect x=/g)!.length).toBeGreaterThanOrEqual(4 + 50);
    expect(hm).toContain('log |X|');
    expect(() => heatmap([1, 2, 3], 2, 2, { colorLabel: '' })).toThrow(/3 values/);
    expect(grid([hm, hm], 2)).toContain('<svg x="');
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(mdTable(['a', 'b'], [[1.23456, 'x|y']])).toBe('| a | b |\n|---|---|\n| 1.235 | x\\|y |');
    expect(pm(1, 0.5, 2)).toBe('1.00 ± 0.50');
  });
  it("paper keys map specs to the paper's rows", () => {
    expect(paperKey('fc-w2700-d1-linear')).toEqual({ key: 'fc', act: 'linear' });
    expect(paperKey('bwc-k3-c32-d3-relu')).toEqual({ key: 'dbwc', act: 'relu' });
    expect(TABLE1.dfwc.linear).toBe(0.272);
    expect(TABLE3.fwc.b1[0]).toBe(1598.37);
  });
});

describe('Fourier statistics of a study', () => {
  it('delta proportional to beta: Spearman 1; norms consistent between unitary and NumPy scale', () => {
    const shape = [4, 3, 8, 8];
    const beta = normalArray(4 * 192, 3);
    const delta = beta.map((v) => 0.01 * v);
    const s = fourierStatistics({ data: delta, shape }, { data: beta, shape });
    expect(s.spearman.mean).toBeCloseTo(1, 9);
    expect(s.norms.backward.deltaL2.mean).toBeCloseTo(8 * s.norms.unitary.deltaL2.mean, 9);
    expect(s.norms.unitary.betaL2.mean).toBeCloseTo(100 * s.norms.unitary.deltaL2.mean, 7);
    expect(s.radial.energy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(s.angular.energy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(s.spectrumDelta.length).toBe(64);
  });
});

describe('experiments end to end (tiny scale)', () => {
  it('quick-study writes result.json, figures and report.md, and resumes without recomputing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ifrlab-qs-'));
    try {
      const tiny = (c: ModelStudyConfig): ModelStudyConfig => ({
        ...c,
        data: 'synthetic:train=96,test=32',
        trainLimit: 96,
        testLimit: 32,
        epochs: 1,
        batchSize: 32,
        attackN: 8,
        models: [
          { spec: 'fc-w16-d1-linear', lr: 0.01 },
          { spec: 'bwc-k3-c2-d1-linear', lr: 0.002 },
        ],
        attacks: [
          {
            name: 'pgd-linf',
            opts: { norm: 'linf', eps: 8 / 255, steps: 3, absStepsize: 2 / 255, randomStart: true, name: 'pgd-linf' },
          },
        ],
      });
      const ctx = await ctxFor(out);
      const r = await runExperiment(quickStudy, ctx, tiny);
      const res = r.result as ModelStudyResult;
      expect(res.models.map((m) => m.spec)).toEqual(['fc-w16-d1-linear', 'bwc-k3-c2-d1-linear']);
      for (const m of res.models) {
        const a = m.analyses['pgd-linf'];
        expect(a.attacked).toBe(8);
        expect(a.deltaLinf).toBeLessThanOrEqual(8 / 255 + 1e-6);
        expect(Number.isFinite(a.norms.unitary.deltaL2.mean)).toBe(true);
        expect(a.spectrumDelta.length).toBe(1024);
      }
      const json = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      expect(json.experiment).toBe('quick-study');
      expect(json.scale).toBe('quick');
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain('Scale: **quick**');
      expect(md).toContain('| fc-w16-d1-linear (lr 0.01) |');
      for (const f of json.figures) expect(existsSync(join(out, f.file))).toBe(true);
      // resume: every part is cached, so the rerun returns the same numbers
      const logs: string[] = [];
      const r2 = await runExperiment(quickStudy, { ...ctx, log: (m) => logs.push(m) }, tiny);
      expect(logs.some((l) => l.startsWith('resume: model-fc-w16-d1-linear'))).toBe(true);
      expect((r2.result as ModelStudyResult).models[1].analyses['pgd-linf'].spearman.mean).toBe(
        res.models[1].analyses['pgd-linf'].spearman.mean,
      );
      // a different configuration in the same directory is refused
      await expect(runExperiment(quickStudy, ctx, (c) => ({ ...tiny(c), epochs: 2 }))).rejects.toThrow(
        /different configuration/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('dynamics: checkpoints, path observables against the final attack, minimal norms', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ifrlab-dyn-'));
    try {
      const ctx = await ctxFor(out);
      const r = await runExperiment(dynamics, ctx, (c) => ({
        ...c,
        data: 'synthetic:train=64,test=32',
        trainLimit: 64,
        testLimit: 32,
        spec: 'bwc-k3-c2-d1-relu',
        epochs: 1,
        batchSize: 32,
        snapshots: 2,
        n: 3,
        points: 20,
        attack: { eps: 8 / 255, steps: 3, absStepsize: 2 / 255 },
        minimal: { steps: 2, relStepsize: 0.5, initEps: 1 / 255, bisectSteps: 2, maxExpand: 4 },
      }));
      const res = r.result as import('../src/lab/experiments/dynamics.ts').DynamicsResult;
      expect(res.checkpoints.map((c) => c.step)).toEqual([0, 1, 2]);
      for (const c of res.checkpoints) {
        expect(c.adv.reluChange.length).toBe(3);
        for (const v of [...c.adv.reluChange, ...c.rand.reluChange]) expect(v).toBeGreaterThanOrEqual(0);
        for (const v of [...c.adv.roughness, ...c.rand.roughness]) expect(v).toBeGreaterThanOrEqual(0);
        for (const v of c.minimal.linf) expect(v).toBeGreaterThan(0);
      }
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Minimal adversarial norms fall');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('report collection', () => {
  it('joins reports, demotes headings and rewrites figure links', async () => {
    const { collectReports, relativePath } = await import('../src/lab/report/collect.ts');
    const rj = JSON.stringify({
      experiment: 'quick-study',
      title: 'Quick study',
      reproduces: 'Table 1',
      scale: 'quick',
      backend: 'wasm',
      seconds: 12.3,
      finishedAt: 'now',
    });
    const page = collectReports([
      { relDir: 'runs/qs', resultJson: rj, reportMd: '# Quick study\n\n## Table\n\n![spec](spectrum.svg)\n' },
    ]);
    expect(page).toContain('| [quick-study](#quick-study) | Table 1 | - | quick | wasm | 12 | now | runs/qs |');
    expect(page).toContain('## Quick study');
    expect(page).toContain('### Table');
    expect(page).toContain('![spec](runs/qs/spectrum.svg)');
    expect(relativePath('/a/b', '/a/c/d')).toBe('../c/d');
    expect(relativePath('/a/b', '/a/b')).toBe('.');
  });
});

describe('progress bar', () => {
  it('prints about one line per 10% when not on a terminal, even when the loss in the label changes', async () => {
    const { textProgress } = await import('../src/lab/experiments/common.ts');
    const lines: string[] = [];
    const p = textProgress((s) => lines.push(s), false);
    for (let i = 1; i <= 200; i++) p(`train fc-w16 loss ${(2 / i).toFixed(4)}`, i, 200);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[lines.length - 1]).toMatch(
      /^\[#{20}\] 200\/200 100% \S+ elapsed, ETA 0:00, \S+ it\/s train fc-w16 loss 0\.0100\n$/,
    );
    const tty: string[] = [];
    const q = textProgress((s) => tty.push(s), true);
    q('x', 1, 2);
    q('x', 2, 2);
    expect(tty[0].startsWith('\r[')).toBe(true);
    expect(tty.at(-1)!.endsWith('\n')).toBe(true);
  });
});

describe('experiment CLI overrides', () => {
  it('parses --set and refuses unknown or structured keys', async () => {
    const { parseOverrides, applyOverrides } = await import('../src/cli/experiment.ts');
    const ov = parseOverrides('epochs=6,trainLimit=10000,data=cifar10');
    expect(ov).toEqual([
      ['epochs', 6],
      ['trainLimit', 10000],
      ['data', 'cifar10'],
    ]);
    const cfg = { epochs: 2, data: 'x', models: [] as unknown[] };
    expect(applyOverrides('t', cfg, ov)).toEqual({ epochs: 6, trainLimit: 10000, data: 'cifar10', models: [] });
    expect(() => applyOverrides('t', cfg, [['nope', 1]])).toThrow(/no such config key/);
    expect(() => applyOverrides('t', cfg, [['models', 1]])).toThrow(/only numbers/);
    expect(() => parseOverrides('epochs')).toThrow(/key=value/);
  });
});

describe('steganography experiment (tiny)', () => {
  it('trains every model under every condition and reports mean ± std beside the paper', async () => {
    const { steganographyExperiment } = await import('../src/lab/experiments/steganography.ts');
    const out = mkdtempSync(join(tmpdir(), 'ifrlab-stego-'));
    try {
      const r = await runExperiment(steganographyExperiment, await ctxFor(out), (c) => ({
        ...c,
        data: 'synthetic:train=64,test=32',
        trainLimit: 64,
        testLimit: 32,
        seeds: 2,
        epochs: 1,
        batchSize: 32,
        models: [
          { key: 'fc-linear', spec: 'fc-w16-d1-linear', lr: 0.01 },
          { key: 'bwc-linear', spec: 'bwc-k3-c2-d1-linear', lr: 0.002 },
        ],
      }));
      const acc = (r.result as { accuracy: Record<string, Record<string, number[]>> }).accuracy;
      expect(Object.keys(acc)).toEqual(['fc-linear', 'bwc-linear']);
      for (const m of Object.values(acc)) {
        expect(Object.keys(m)).toEqual(['base', 'eps=.25,rho=.2', 'eps=.25,rho=.1']);
        for (const v of Object.values(m)) {
          expect(v.length).toBe(2);
          for (const a of v) expect(a).toBeGreaterThanOrEqual(0);
        }
      }
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain('40.8 ± 0.07');
      expect(md).toContain('61.6 ± 1.14');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
