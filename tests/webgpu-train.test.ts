// End to end: a small bounded-width conv model built from ops (circular 3x3
// conv + bias + relu + linear, softmax cross-entropy, SGD with momentum through
// the backend's sgdStep) trains for a few steps with the same losses on webgpu,
// reference (and wasm when it starts); then the webgpu backend runs many steps
// and the number of live GPU buffers, and of GPU buffers ever created, stays
// constant after the first step (the pool makes training allocation-free).
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import type { Backend, Tensor } from '../src/index.ts';
import { uniformArray } from '../src/engine/core/random.ts';
import { gpu, skipReason } from './webgpu-setup.ts';

const d = gpu ? describe : describe.skip;
interface Dims {
  N: number;
  C: number;
  H: number;
  W: number;
  F: number;
  K: number;
}
const SMALL: Dims = { N: 8, C: 3, H: 8, W: 8, F: 6, K: 4 };
/** The leak run uses a tinier model: SwiftShader runs about 10 ms of fixed cost per step. */
const TINY: Dims = { N: 2, C: 2, H: 4, W: 4, F: 2, K: 3 };
const LEAK_STEPS = Number(process.env.WEBGPU_LEAK_STEPS ?? 1000);

interface Model {
  params: Tensor[];
  vel: Tensor[];
  x: Tensor;
  labels: number[];
  be: Backend;
}

function makeModel(be: Backend, { N, C, H, W, F, K }: Dims = SMALL): Model {
  const u = (n: number, s: number, bound: number): Float32Array =>
    Float32Array.from(uniformArray(n, 7, s), (v) => (2 * v - 1) * bound);
  const shapes = [[F, C, 3, 3], [F], [K, F * H * W], [K]];
  const bounds = [1 / Math.sqrt(C * 9), 1 / Math.sqrt(C * 9), 1 / Math.sqrt(F * H * W), 1 / Math.sqrt(F * H * W)];
  const params = shapes.map((s, i) =>
    T.keep(
      T.tensor(
        u(
          s.reduce((a, b) => a * b, 1),
          i,
          bounds[i],
        ),
        s,
        be,
      ),
    ),
  );
  const vel = shapes.map((s) => T.keep(T.zeros(s, be)));
  const x = T.keep(T.tensor(u(N * C * H * W, 10, 1), [N, C, H, W], be));
  const labels = Array.from(uniformArray(N, 7, 11), (v) => Math.floor(v * K));
  return { params, vel, x, labels, be };
}

const forward =
  (m: Model) =>
  (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor =>
    T.crossEntropy(
      T.linear(T.flatten(T.relu(T.conv2d(m.x, w1, b1, { padding: 1, mode: 'circular' }))), w2, b2),
      m.labels,
    );

/** One SGD step; returns the loss tensor (kept). */
function step(m: Model): Tensor {
  return T.tidy(() => {
    const { value, grads } = T.valueAndGrad(forward(m))(...m.params);
    m.params.forEach((p, i) => m.be.sgdStep(p.buffer, grads[i].buffer, m.vel[i].buffer, 0.1, 0.9, 1e-4, false));
    // valueAndGrad's gradients escape enclosing tidy() scopes (backward keep()s them): free them here
    grads.forEach((g) => g.dispose());
    return value;
  });
}

async function losses(be: Backend, steps: number): Promise<number[]> {
  const m = makeModel(be);
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const l = step(m);
    out.push(await l.item());
    l.dispose();
  }
  [...m.params, ...m.vel, m.x].forEach((t) => t.dispose());
  return out;
}

d(`webgpu end-to-end training ${gpu ? '' : `(skipped: ${skipReason})`}`, () => {
  it('a few SGD steps give the same losses as the reference (and wasm) backends', async () => {
    const want = await losses(new T.ReferenceBackend('float32'), 6);
    const got = await losses(gpu!, 6);
    expect(want[5]).toBeLessThan(want[0]); // it does learn
    for (let s = 0; s < want.length; s++)
      expect(Math.abs(got[s] - want[s]), `step ${s}: webgpu ${got[s]} vs reference ${want[s]}`).toBeLessThan(
        1e-4 * Math.max(1, Math.abs(want[s])),
      );
    let wasm: Backend | null = null;
    try {
      wasm = await T.getBackend('wasm');
    } catch {
      /* not built here */
    }
    console.log(
      `losses compared on reference, webgpu${wasm ? ', wasm' : ' (wasm backend not available here)'}: ${want.map((v) => v.toFixed(5)).join(' ')}`,
    );
    if (wasm) {
      const w = await losses(wasm, 6);
      for (let s = 0; s < want.length; s++)
        expect(Math.abs(got[s] - w[s]), `step ${s}: webgpu ${got[s]} vs wasm ${w[s]}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(w[s])),
        );
    }
  });

  it(`live GPU buffers stay constant over ${LEAK_STEPS} training steps, and nothing is allocated after the first`, async () => {
    const g = gpu!;
    const m = makeModel(g, TINY);
    const first = step(m);
    const l0 = await first.item();
    first.dispose();
    const live = g.memory().buffers,
      created = g.poolInfo().created;
    let last = NaN;
    for (let s = 1; s < LEAK_STEPS; s++) {
      const l = step(m);
      if (s % 100 === 0 || s === LEAK_STEPS - 1) last = await l.item();
      l.dispose();
      expect(g.memory().buffers).toBe(live);
    }
    expect(g.poolInfo().created).toBe(created);
    expect(Number.isFinite(last) && last < l0).toBe(true);
    [...m.params, ...m.vel, m.x].forEach((t) => t.dispose());
  });
});
