// Training: SGD semantics, schedules, resume == uninterrupted, NaN stop, flat memory, learning, CLI.
import { describe, it, expect, vi } from 'vitest';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SGD } from '../src/lab/train/optim.ts';
import { makeSchedule } from '../src/lab/train/schedule.ts';
import {
  train,
  TrainingDiverged,
  type TrainConfig,
  type TrainLog,
  type TrainSink,
  type ResumeState,
} from '../src/lab/train/trainer.ts';
import { defaultLearningRate } from '../src/lab/nn/models.ts';
import { encodeCheckpoint, decodeCheckpoint, type EncodedCheckpoint } from '../src/lab/io/checkpoint.ts';
import { syntheticDataset } from '../src/lab/data/synthetic.ts';
import { tensor } from '../src/engine/ops/creation.ts';
import { memory } from '../src/engine/tensor.ts';
import { setBackend } from '../src/engine/backends/registry.ts';

await setBackend('reference');

function memSink() {
  const ck = new Map<string, EncodedCheckpoint>();
  const logs: TrainLog[] = [];
  const sink: TrainSink = {
    async saveCheckpoint(name, model, meta, velocity) {
      ck.set(name, await encodeCheckpoint(model, meta, velocity));
    },
    async dropOptimizerState(name) {
      const c = ck.get(name);
      if (c) delete c.optim;
    },
    async markBest(name) {
      ck.set('best', ck.get(name)!);
    },
    async writeLog(log) {
      logs.push(JSON.parse(JSON.stringify(log)));
    },
  };
  const resumeFrom = (name: string): ResumeState => {
    const c = ck.get(name)!;
    return decodeCheckpoint(c.weights, c.meta, name, c.optim);
  };
  return { sink, ck, logs, resumeFrom };
}

const cfg = (o: Partial<TrainConfig> = {}): TrainConfig => ({
  model: 'fc-w16-d1-relu',
  data: 'synthetic',
  seed: 3,
  epochs: 2,
  batchSize: 32,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  nesterov: false,
  schedule: 'step:0.5:1',
  checkpointEveryBatches: 3,
  normalize: false,
  evalBatchSize: 64,
  ...o,
});

describe('SGD (PyTorch semantics) and schedules', () => {
  it('two steps match the closed form, with weight decay and with Nesterov', () => {
    for (const nesterov of [false, true]) {
      const p = tensor([1, -2, 3], [3]).requireGrad();
      const opt = new SGD(new Map([['p', p]]), { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov });
      const gs = [
        [0.5, 0.5, -1],
        [1, 0, 2],
      ];
      let P = [1, -2, 3],
        V = [0, 0, 0];
      for (const g of gs) {
        opt.step(new Map([['p', tensor(g, [3])]]));
        const g2 = g.map((x, i) => x + 0.01 * P[i]);
        V = V.map((v, i) => 0.9 * v + g2[i]);
        P = P.map((x, i) => x - 0.1 * (nesterov ? g2[i] + 0.9 * V[i] : V[i]));
      }
      const got = p.dataSync();
      P.forEach((x, i) => expect(got[i]).toBeCloseTo(x, 6));
      expect(opt.steps).toBe(2);
    }
  });
  it('schedules: the code (x0.3 every 4 epochs), the text (linear decay to 0.3, reset at 20), constant', () => {
    const s = makeSchedule('step', 0.01);
    expect([0, 3, 4, 8, 39].map((e) => s.lr(e))).toEqual([0.01, 0.01, 0.01 * 0.3, 0.01 * 0.09, 0.01 * 0.3 ** 9]);
    const l = makeSchedule('linear-reset', 1);
    expect(l.lr(0)).toBe(1);
    expect(l.lr(19)).toBeCloseTo(0.3, 12);
    expect(l.lr(20)).toBe(1);
    expect(l.lr(10)).toBeCloseTo(1 - (0.7 * 10) / 19, 12);
    expect(makeSchedule('constant', 0.5).lr(30)).toBe(0.5);
    expect(() => makeSchedule('cosine', 1)).toThrow(/unknown schedule 'cosine'/);
    expect(defaultLearningRate('fwc-c3-d1-linear')).toBe(0.002);
    expect(defaultLearningRate('bwc-k3-c32-d1-linear')).toBe(0.002);
    expect(defaultLearningRate('bwc-k3-c32-d3-relu')).toBe(0.01);
    expect(defaultLearningRate('fc-w2700-d1-linear')).toBe(0.01);
  });
});

describe('training loop', () => {
  const ds = syntheticDataset({ train: 200, test: 64, seed: 1 });

  it('resume (mid-epoch and at an epoch end) gives exactly the uninterrupted result', async () => {
    const a = memSink();
    const before = memory().tensors;
    const full = await train(ds, cfg(), a.sink, { backend: 'reference' });
    expect(full.log.status).toBe('done');
    // 7 batches per epoch; interrupted after 5 batches (mid-epoch 1), then after 4 more (epoch 2, batch 2)
    const b = memSink();
    const r1 = await train(ds, cfg({ stopAfterBatches: 5 }), b.sink, { backend: 'reference' });
    expect(r1.log.status).toBe('interrupted');
    expect(r1.log.lastCheckpoint).toBe('epoch-000-batch-00005');
    r1.model.dispose!();
    const r2 = await train(ds, cfg({ stopAfterBatches: 4 }), b.sink, {
      backend: 'reference',
      resume: b.resumeFrom(r1.log.lastCheckpoint!),
    });
    expect(r2.log.lastCheckpoint).toBe('epoch-001-batch-00002');
    const r3 = await train(ds, cfg(), b.sink, { backend: 'reference', resume: b.resumeFrom(r2.log.lastCheckpoint!) });
    expect(r3.log.status).toBe('done');
    for (const [name, p] of full.model.parameters()) {
      const q = r3.model.parameters().get(name)!;
      expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    }
    const pick = (l: TrainLog) =>
      l.history.map((h) => [h.epoch, h.lr, h.trainLoss, h.trainAccuracy, h.testLoss, h.testAccuracy]);
    expect(pick(r3.log)).toEqual(pick(full.log));
    expect(r3.log.best).toEqual(full.log.best);
    // checkpoints: initial, every 3 batches, every epoch; optimiser state only on the newest
    expect(full.log.checkpoints).toEqual([
      'epoch-000',
      'epoch-000-batch-00003',
      'epoch-000-batch-00006',
      'epoch-001',
      'epoch-001-batch-00003',
      'epoch-001-batch-00006',
      'epoch-002',
    ]);
    expect([...a.ck.entries()].filter(([k, c]) => k !== 'best' && c.optim).map(([k]) => k)).toEqual(['epoch-002']);
    const meta = JSON.parse(a.ck.get('epoch-001')!.meta);
    expect(meta).toMatchObject({
      spec: 'fc-w16-d1-relu',
      data: 'synthetic',
      seed: 3,
      epoch: 1,
      batchInEpoch: 0,
      globalStep: 7,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 1e-4 },
    });
    expect(meta.testAccuracy).toBe(full.log.history[1].testAccuracy);
    // memory stays flat: nothing but the two models' parameters is left
    full.model.dispose!();
    r2.model.dispose!();
    r3.model.dispose!();
    expect(memory().tensors).toBe(before);
  }, 120_000);

  it('a NaN/Inf loss stops the run with a clear message; the last good checkpoint is kept', async () => {
    const s = memSink();
    let err: Error | null = null;
    try {
      await train(ds, cfg({ lr: 1e30, momentum: 0, schedule: 'constant', checkpointEveryBatches: 0 }), s.sink, {
        backend: 'reference',
      });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(TrainingDiverged);
    expect(err!.message).toMatch(
      /training stopped: the loss is (NaN|Infinity) at epoch 1, batch \d+ \(lr 1e\+30\)\. The last good checkpoint is epoch-000/,
    );
    const last = s.logs[s.logs.length - 1];
    expect(last.status).toBe('diverged');
    expect(last.lastCheckpoint).toBe('epoch-000');
    const { model } = s.resumeFrom('epoch-000');
    for (const p of model.parameters().values()) expect(p.dataSync().every(Number.isFinite)).toBe(true);
  }, 60_000);

  it('a linear model learns the synthetic data well above chance in 3 epochs', async () => {
    const big = syntheticDataset({ train: 1000, test: 300, seed: 2 });
    const s = memSink();
    const { log, model } = await train(
      big,
      cfg({
        model: 'fc-w1-d0-linear',
        epochs: 3,
        batchSize: 50,
        lr: 0.01,
        schedule: 'constant',
        checkpointEveryBatches: 0,
      }),
      s.sink,
      { backend: 'reference' },
    );
    expect(log.history.length).toBe(4);
    expect(log.history[0].testAccuracy).toBeLessThan(0.2);
    expect(log.bestTestAccuracy!).toBeGreaterThan(0.3);
    expect(log.history[3].trainLoss!).toBeLessThan(log.history[1].trainLoss!);
    model.dispose!();
  }, 60_000);
});

describe('ifrlab train (CLI)', () => {
  it('Ctrl-C checkpoints the batch in progress, exits 130, and --resume finishes the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-sigint-'));
    const { run } = await import('../src/cli/train.ts');
    const listeners = process.listenerCount('SIGINT');
    try {
      const args = [
        '--model',
        'fc-w8-d1-linear',
        '--data',
        'synthetic:train=320,test=32',
        '--epochs',
        '2',
        '--batch',
        '32',
        '--backend',
        'reference',
        '--out',
        dir,
      ];
      // a real SIGINT to this test process (vitest runs each file in its own fork), sent right after
      // the initial evaluation: it must be seen during the first batch, not at the next file write
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        if (String(chunk).includes('epoch 0 (initial)')) process.kill(process.pid, 'SIGINT');
        return true;
      });
      try {
        await run(args);
      } finally {
        spy.mockRestore();
      }
      const code = process.exitCode;
      process.exitCode = 0;
      expect(code).toBe(130);
      let log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as TrainLog;
      expect(log.status).toBe('interrupted');
      // seen within a few of the epoch's 10 batches (the signal arrives asynchronously)
      expect(log.lastCheckpoint).toMatch(/^epoch-000-batch-0000[1-4]$/);
      expect(process.listenerCount('SIGINT')).toBe(listeners);
      await run([...args, '--resume', '--quiet']);
      log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as TrainLog;
      expect(log.status).toBe('done');
      expect(log.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('writes log.json and checkpoints; --resume finishes an interrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-train-'));
    const { run } = await import('../src/cli/train.ts');
    try {
      const args = [
        '--model',
        'fc-w8-d1-linear',
        '--data',
        'synthetic:train=96,test=32',
        '--epochs',
        '2',
        '--batch',
        '32',
        '--backend',
        'reference',
        '--out',
        dir,
        '--quiet',
      ];
      await run([...args, '--stop-after-batches', '4']);
      let log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as TrainLog;
      expect(log.status).toBe('interrupted');
      await run([...args, '--resume']);
      log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as TrainLog;
      expect(log.status).toBe('done');
      expect(log.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
      for (const h of log.history.slice(1)) {
        expect(h.trainLoss).toBeGreaterThan(0);
        expect(h.examplesPerSecond).toBeGreaterThan(0);
      }
      expect(log.bestTestAccuracy).toBe(Math.max(...log.history.slice(1).map((h) => h.testAccuracy)));
      for (const f of [
        'checkpoints/epoch-000.safetensors',
        'checkpoints/epoch-002.json',
        'checkpoints/epoch-002.optim.safetensors',
        'best.safetensors',
        'best.json',
      ])
        expect(existsSync(join(dir, f))).toBe(true);
      // curve.svg: test accuracy at epochs 0-2 (3 points), train accuracy and loss at epochs 1-2
      const curve = readFileSync(join(dir, 'curve.svg'), 'utf8');
      expect([...curve.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1].split(' ').length)).toEqual([
        3, 2, 2,
      ]);
      // `ifrlab report DIR` puts the run in a table and draws its curves beside the page
      const { run: report } = await import('../src/cli/report.ts');
      const page = join(dir, 'page.md');
      await report([dir, '--out', page]);
      const md = readFileSync(page, 'utf8');
      const best = log.best!;
      expect(md).toContain(
        `| fc-w8-d1-linear | synthetic:train=96,test=32 | 0 | 0.01, step | 2/2 | ${(100 * best.testAccuracy).toFixed(2)}% (epoch ${best.epoch}) |`,
      );
      expect(md).toContain('![learning curves](page-curves.svg)');
      expect(readFileSync(join(dir, 'page-curves.svg'), 'utf8')).toContain(
        'fc-w8-d1-linear, synthetic:train=96,test=32 test',
      );
      await expect(report([join(dir, 'checkpoints'), '--out', page])).rejects.toThrow(
        /neither result.json \+ report.md .* nor log.json/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
