// Reproducible WASM training: same seed + backend + thread count gives bit-identical
// weights (every threaded reduction has a fixed partition and combine order), resume
// equals the uninterrupted run bit for bit, and (as docs/determinism.md says) one and
// two threads give the same bits too, and Deno gives the same bits as Node.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createWasmBackend, type WasmBackend } from '../src/engine/backends/wasm/index.ts';
import { setBackend } from '../src/engine/backends/registry.ts';
import { train, type ResumeState, type TrainConfig, type TrainSink } from '../src/lab/train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint, type EncodedCheckpoint } from '../src/lab/io/checkpoint.ts';
import { syntheticDataset } from '../src/lab/data/synthetic.ts';
import type { Classifier } from '../src/lab/nn/types.ts';

function memSink() {
  const ck = new Map<string, EncodedCheckpoint>();
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
    async writeLog() {},
  };
  const resumeFrom = (name: string): ResumeState => {
    const c = ck.get(name)!;
    return decodeCheckpoint(c.weights, c.meta, name, c.optim);
  };
  return { sink, resumeFrom };
}

/** SHA-256 over every parameter's float32 bytes, in name order. */
function weightHash(m: Classifier): string {
  const h = createHash('sha256');
  for (const [name, p] of [...m.parameters()].sort(([a], [b]) => a.localeCompare(b))) {
    h.update(name);
    h.update(new Uint8Array(p.dataSync().buffer.slice(0)));
  }
  return h.digest('hex');
}

// conv layers with C < 16 (direct filter gradient) and C >= 16 (im2col + GEMM), a locally
// connected layer, the FFT conv and a wide FC: every threaded kernel of a training step
const models = ['bwc-k3-c16-d2-relu', 'lc-k3-c4-d1-relu', 'fwc-c3-d1-relu', 'fc-w256-d1-relu'];
const ds = syntheticDataset({ train: 96, test: 32, seed: 2 });
const cfg = (model: string, o: Partial<TrainConfig> = {}): TrainConfig => ({
  model,
  data: 'synthetic',
  seed: 5,
  epochs: 2,
  batchSize: 32,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  nesterov: false,
  schedule: 'constant',
  checkpointEveryBatches: 3,
  normalize: false,
  evalBatchSize: 32,
  ...o,
});

const backends: WasmBackend[] = [];
async function wasm(threads: number): Promise<WasmBackend> {
  const be = await createWasmBackend({ threads });
  expect(be.threads).toBe(threads);
  backends.push(be);
  await setBackend(be);
  return be;
}
async function run(model: string, threads: number): Promise<string> {
  await wasm(threads);
  const r = await train(ds, cfg(model), memSink().sink, { backend: 'wasm' });
  expect(r.log.status).toBe('done');
  const h = weightHash(r.model);
  r.model.dispose!();
  return h;
}
afterAll(() => backends.forEach((b) => b.terminate()));

describe('WASM training is bit-reproducible', () => {
  for (const model of models) {
    it(`${model}: two runs on 2 threads, and 1 thread, give the same weight hash`, async () => {
      const a = await run(model, 2),
        b = await run(model, 2),
        c = await run(model, 1);
      expect(b).toBe(a);
      expect(c).toBe(a);
    }, 60_000);
  }

  it('resume (mid-epoch) equals the uninterrupted run bit for bit on 2 threads', async () => {
    const model = 'bwc-k3-c16-d2-relu';
    const full = await run(model, 2);
    const s = memSink();
    await wasm(2);
    const r1 = await train(ds, cfg(model, { stopAfterBatches: 4 }), s.sink, { backend: 'wasm' });
    expect(r1.log.status).toBe('interrupted');
    r1.model.dispose!();
    await wasm(2); // a fresh backend, as a new process would have
    const r2 = await train(ds, cfg(model), s.sink, { backend: 'wasm', resume: s.resumeFrom(r1.log.lastCheckpoint!) });
    expect(r2.log.status).toBe('done');
    expect(weightHash(r2.model)).toBe(full);
    r2.model.dispose!();
  }, 60_000);
});

const ROOT = resolve(import.meta.dirname, '..');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');

describe('the same bits under Deno', () => {
  it.skipIf(!existsSync(DENO))(
    "a 2-thread WASM training in Deno has the Node run's weight hash",
    async () => {
      const model = 'bwc-k3-c16-d2-relu';
      const node = await run(model, 2);
      const dir = mkdtempSync(join(tmpdir(), 'ifr-det-'));
      const src = (f: string) => JSON.stringify(join(ROOT, f));
      writeFileSync(
        join(dir, 'train.ts'),
        `
import { createWasmBackend } from ${src('src/engine/backends/wasm/index.ts')};
import { setBackend } from ${src('src/engine/backends/registry.ts')};
import { train } from ${src('src/lab/train/trainer.ts')};
import { syntheticDataset } from ${src('src/lab/data/synthetic.ts')};
const be = await createWasmBackend({ threads: 2 });
await setBackend(be);
const sink = { async saveCheckpoint() {}, async dropOptimizerState() {}, async markBest() {}, async writeLog() {} };
const r = await train(syntheticDataset({ train: 96, test: 32, seed: 2 }), ${JSON.stringify(cfg(model))}, sink as any, { backend: 'wasm' });
const parts: Uint8Array[] = [];
for (const [name, p] of [...r.model.parameters()].sort(([a], [b]) => a.localeCompare(b))) { parts.push(new TextEncoder().encode(name), new Uint8Array(p.dataSync().buffer.slice(0))); }
const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
let o = 0;
for (const p of parts) { all.set(p, o); o += p.length; }
const h = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
console.log('HASH ' + [...h].map((b) => b.toString(16).padStart(2, '0')).join(''));
be.terminate();
`,
      );
      const r = spawnSync(DENO, ['run', '-A', '--quiet', join(dir, 'train.ts')], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      rmSync(dir, { recursive: true, force: true });
      expect(r.stderr).toBe('');
      expect(r.stdout.match(/HASH (\w+)/)?.[1]).toBe(node);
    },
    150_000,
  );
});
