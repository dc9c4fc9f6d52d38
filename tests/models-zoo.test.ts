import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, countParameters, parseSpec, formatSpec } from '../src/lab/nn/models.ts';
import { tensor, randUniform } from '../src/engine/ops/creation.ts';
import { tidy, memory } from '../src/engine/tensor.ts';
import { encodeSafetensors, decodeSafetensors } from '../src/lab/io/safetensors.ts';
import { saveCheckpoint, loadCheckpoint, type CheckpointMeta } from '../src/lab/io/checkpoint.ts';
import '../src/engine/backends/registry.ts';

const lin = (i: number, o: number) => i * o + o;
const conv = (i: number, o: number, k: number, bias = true) => i * o * k * k + (bias ? o : 0);

describe('model zoo: parameter counts (closed forms) and output shapes', () => {
  const cases: [string, number, number[]?][] = [
    ['fc-w2700-d1-linear', lin(3072, 2700) + lin(2700, 10)],
    ['fc-w2700-d3-relu', lin(3072, 2700) + 2 * lin(2700, 2700) + lin(2700, 10)],
    ['fc-w64-d1-relu', lin(784, 64) + lin(64, 10), [1, 28, 28]],
    ['fwc-c3-d1-linear', 3 * 3 * 32 * 32 + 3 + lin(3 * 1024, 10)],
    ['fwc-c3-d3-relu', 3 * (3 * 3 * 32 * 32 + 3) + lin(3 * 1024, 10)],
    ['lc-k3-c32-d1-linear', 32 * 3 * 1024 * 9 + lin(32 * 1024, 10)],
    ['lc-k3-c8-d3-relu-pvalid', 8 * 3 * 30 * 30 * 9 + 8 * 8 * 28 * 28 * 9 + 8 * 8 * 26 * 26 * 9 + lin(8 * 26 * 26, 10)],
    ['bwc-k3-c32-d1-linear', conv(3, 32, 3) + lin(32 * 1024, 10)],
    ['bwc-k3-c32-d3-relu', conv(3, 32, 3) + 2 * conv(32, 32, 3) + lin(32 * 1024, 10)],
    ['bwc-k3-c32-d3-relu-pvalid', conv(3, 32, 3) + 2 * conv(32, 32, 3) + lin(32 * 26 * 26, 10)],
    ['bwc-k5-c4-d1-linear-pzero', conv(3, 4, 5) + lin(4 * 1024, 10)],
    ['resnet18', 11173962, [3, 8, 8]],
    // stem + BN, stage 1 (2 convs, 2 BN), stage 2 and 3 (2 convs, 2 BN, 1x1 shortcut + BN), linear
    [
      'resnet8',
      3 * 16 * 9 +
        32 +
        (2 * 16 * 16 * 9 + 64) +
        (16 * 32 * 9 + 32 * 32 * 9 + 16 * 32 + 3 * 64) +
        (32 * 64 * 9 + 64 * 64 * 9 + 32 * 64 + 3 * 128) +
        lin(64, 10),
    ],
    ['vgg11', 9231114],
  ];
  for (const [spec, count, inputShape] of cases) {
    it(`${spec}: ${count} parameters, logits [2, 10]`, () => {
      const m = buildModel(spec, { inputShape, seed: 1 });
      expect(countParameters(m)).toBe(count);
      const [C, H, W] = m.inputShape;
      tidy(() => {
        const y = m.forward(randUniform([2, C, H, W], 3));
        expect(y.shape).toEqual([2, 10]);
        const d = y.dataSync();
        expect(d.every(Number.isFinite)).toBe(true);
      });
      m.dispose?.();
    }, 60_000);
  }

  it('spec grammar: defaults, canonical form, clear errors', () => {
    expect(formatSpec(parseSpec('fc-linear'))).toBe('fc-w2700-d1-linear');
    expect(formatSpec(parseSpec('bwc-relu-d3'))).toBe('bwc-k3-c32-d3-relu');
    expect(formatSpec(parseSpec('lc'))).toBe('lc-k3-c32-d1-linear');
    expect(formatSpec(parseSpec('fwc'))).toBe('fwc-c3-d1-linear');
    expect(formatSpec(parseSpec('bwc-k3-c32-d1-linear-pzero'))).toBe('bwc-k3-c32-d1-linear-pzero');
    expect(() => parseSpec('mlp-w3')).toThrow(/unknown family 'mlp'/);
    expect(() => parseSpec('fc-k3')).toThrow(/unexpected token 'k3'/);
    expect(() => parseSpec('fc-pzero')).toThrow(/padding applies/);
    expect(() => parseSpec('resnet10')).toThrow(/6n\+2/);
  });

  it('ReLU inputs are pushed to ctx.preActivations in order; linear models push none', () => {
    const m = buildModel('bwc-k3-c4-d3-relu', { seed: 2 });
    tidy(() => {
      const ctx = { preActivations: [] as any[] };
      m.forward(randUniform([1, 3, 32, 32], 5), ctx);
      expect(ctx.preActivations.map((t) => t.shape)).toEqual([
        [1, 4, 32, 32],
        [1, 4, 32, 32],
        [1, 4, 32, 32],
      ]);
      const ctx2 = { preActivations: [] as any[] };
      buildModel('fc-w8-d3-linear').forward(randUniform([1, 3, 32, 32], 5), ctx2);
      expect(ctx2.preActivations.length).toBe(0);
    });
    const r = buildModel('resnet8', { inputShape: [3, 8, 8] });
    tidy(() => {
      const ctx = { preActivations: [] as any[] };
      r.forward(randUniform([1, 3, 8, 8], 5), ctx);
      expect(ctx.preActivations.length).toBe(1 + 3 * 2);
    });
  });

  it('initialisation: seeded, PyTorch default bounds U(-1/sqrt(fan_in), 1/sqrt(fan_in))', () => {
    const a = buildModel('bwc-k3-c8-d1-linear', { seed: 7 }),
      b = buildModel('bwc-k3-c8-d1-linear', { seed: 7 }),
      c = buildModel('bwc-k3-c8-d1-linear', { seed: 8 });
    const wa = a.parameters().get('hidden0.weight')!.dataSync(),
      wb = b.parameters().get('hidden0.weight')!.dataSync(),
      wc = c.parameters().get('hidden0.weight')!.dataSync();
    expect([...wa]).toEqual([...wb]);
    expect([...wa]).not.toEqual([...wc]);
    const bound = 1 / Math.sqrt(27);
    expect(Math.max(...wa.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...wa.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const r = a.parameters().get('readout.weight')!.dataSync();
    expect(Math.max(...r.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8 * 1024));
    expect([...a.parameters().keys()]).toEqual(['hidden0.weight', 'hidden0.bias', 'readout.weight', 'readout.bias']);
  });

  it('batch norm: training mode updates running statistics (PyTorch momentum 0.1, unbiased var), eval uses them; no leak', () => {
    const m = buildModel('resnet8', { inputShape: [3, 8, 8], seed: 1 });
    const x = randUniform([4, 3, 8, 8], 9);
    m.setTraining(true);
    const before = memory().tensors;
    tidy(() => {
      m.forward(x);
    });
    tidy(() => {
      m.forward(x);
    });
    expect(memory().tensors).toBe(before);
    const rm = m.buffers!().get('bn1.running_mean')!.dataSync();
    expect(rm.some((v) => v !== 0)).toBe(true);
    m.setTraining(false);
    const y1 = tidy(() => m.forward(x).dataSync()),
      y2 = tidy(() => m.forward(x).dataSync());
    expect([...y1]).toEqual([...y2]);
  });
});

describe('safetensors and checkpoints', () => {
  it('safetensors layout: u64 header length, 8-aligned JSON, offsets, round trip', () => {
    const t = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5e-8, -6]) }],
      ['b', { shape: [1], data: Float32Array.from([7]) }],
    ]);
    const bytes = encodeSafetensors(t, { spec: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b.data_offsets).toEqual([24, 28]);
    expect(header.__metadata__).toEqual({ spec: 'x' });
    expect(bytes.length).toBe(8 + n + 28);
    const back = decodeSafetensors(bytes);
    expect([...back.tensors.get('a.weight')!.data]).toEqual([...t.get('a.weight')!.data]);
    expect(back.metadata.spec).toBe('x');
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors')).toThrow(
      /w.safetensors: tensor 'b' ends at byte .* \(truncated\)/,
    );
  });

  it('saveCheckpoint/loadCheckpoint: same logits, buffers and meta; optimiser state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-ckpt-'));
    try {
      const m = buildModel('resnet8', { inputShape: [3, 8, 8], seed: 3 });
      m.setTraining(true);
      const x = randUniform([2, 3, 8, 8], 4);
      tidy(() => {
        m.forward(x);
      });
      m.setTraining(false);
      const meta: CheckpointMeta = {
        format: 'ifrlab-checkpoint',
        version: 1,
        spec: m.spec,
        inputShape: [3, 8, 8],
        numClasses: 10,
        data: 'synthetic',
        seed: 3,
        epoch: 2,
        testAccuracy: 0.5,
      };
      const vel = new Map(
        [...m.parameters()].map(([k, p]) => [k, tensor(new Float32Array(p.size).fill(0.25), p.shape)]),
      );
      await saveCheckpoint(join(dir, 'epoch-002.safetensors'), m, meta, vel);
      const { model, meta: back, velocity } = await loadCheckpoint(join(dir, 'epoch-002.json'), { optimizer: true });
      expect(back).toEqual(meta);
      const y0 = tidy(() => m.forward(x).dataSync()),
        y1 = tidy(() => model.forward(x).dataSync());
      expect([...y1]).toEqual([...y0]);
      expect([...model.buffers!().get('bn1.running_var')!.dataSync()]).toEqual([
        ...m.buffers!().get('bn1.running_var')!.dataSync(),
      ]);
      expect(velocity!.get('conv1.weight')!.data[0]).toBe(0.25);
      await expect(loadCheckpoint(join(dir, 'nope.safetensors'))).rejects.toThrow(/no sidecar .*nope.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model gradients (float64 finite differences through whole models)', () => {
  it('fwc, lc, bwc and resnet8 (training-mode batch norm): d loss / d parameter matches central differences', async () => {
    const { setBackend, float64Backend } = await import('../src/engine/backends/registry.ts');
    const { crossEntropy } = await import('../src/engine/ops/nn.ts');
    const { backward } = await import('../src/engine/autograd/backward.ts');
    const prev = (await import('../src/engine/tensor.ts')).engine.backend;
    await setBackend(float64Backend());
    try {
      for (const [spec, shape] of [
        ['fwc-c2-d3-relu', [2, 4, 4]],
        ['lc-k3-c2-d1-relu', [2, 5, 5]],
        ['bwc-k3-c2-d3-relu-pzero', [2, 5, 5]],
        ['resnet8', [3, 4, 4]],
      ] as const) {
        const m = buildModel(spec, { inputShape: shape, numClasses: 3, seed: 11 });
        m.setTraining(true);
        const x = randUniform([3, ...shape], 12);
        const labels = [0, 2, 1];
        const lossOf = (): number => tidy(() => crossEntropy(m.forward(x), labels).dataSyncF64()[0]);
        const params = [...m.parameters().values()];
        const g = tidy(() => {
          const grads = backward(crossEntropy(m.forward(x), labels), { targets: params });
          return new Map([...grads].map(([p, t]) => [p, t.dataSyncF64()]));
        });
        for (const p of [params[0], params[params.length - 3], params[params.length - 1]]) {
          const d = p.dataSyncF64();
          for (const i of [0, Math.floor(p.size / 2)]) {
            const h = 1e-5;
            // p[i] += delta through the backend's public in-place kernel: sgdStep with a one-hot gradient and lr = -delta
            const nudge = (delta: number) =>
              tidy(() => {
                const e = new Float64Array(p.size);
                e[i] = 1;
                p.backend.sgdStep(
                  p.buffer,
                  tensor(e, p.shape).buffer,
                  tensor(new Float64Array(p.size), p.shape).buffer,
                  -delta,
                  0,
                  0,
                  false,
                );
              });
            void d;
            nudge(h);
            const lp = lossOf();
            nudge(-2 * h);
            const lm = lossOf();
            nudge(h);
            const fd = (lp - lm) / (2 * h);
            expect(Math.abs(g.get(p)![i] - fd)).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
          }
        }
        m.dispose!();
      }
    } finally {
      await setBackend(prev);
    }
  }, 60_000);
});
