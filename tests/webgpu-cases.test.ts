// The shared op case table (tests/helpers/op-cases.ts, the same one as the
// float64 finite-difference check and the WASM parity suite) on the WebGPU
// backend: value and every input gradient of sum(f(xs) * r) against the
// reference backend, within 1e-4 of the largest expected magnitude.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import type { Backend } from '../src/engine/backends/backend.ts';
import { cases, input, type Case } from './helpers/op-cases.ts';
import { gpu, relErr } from './webgpu-setup.ts';

const ref = new T.ReferenceBackend('float32');

async function run(c: Case, be: Backend): Promise<Float32Array[]> {
  const datas = c.shapes.map((s, i) => {
    const d = input(s, 100 + i, 0.2, 1.0, c.positive);
    c.init?.(i, d);
    return d;
  });
  const outs = T.tidy(() => {
    const xs = datas.map((d, i) => T.tensor(d, c.shapes[i], be));
    const probe = c.fn(...xs);
    const r = T.tensor(input(probe.shape as number[], 7), probe.shape, be);
    const { value, grads } = T.valueAndGrad((...ys) => T.sum(T.mul(c.fn(...ys), r)))(...xs);
    return [probe, value, ...grads];
  });
  const res = await Promise.all(outs.map((t) => t.data()));
  outs.forEach((t) => t.dispose());
  return res;
}

(gpu ? describe : describe.skip)('every op and its gradient on WebGPU matches the reference backend', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const want = await run(c, ref);
      const got = await run(c, gpu!);
      want.forEach((w, k) => expect(relErr(got[k], w), `output ${k}`).toBeLessThan(1e-4));
    });
  }
});
