// The kernel parity cases shared by the Deno run (webgpu_parity_test.ts) and the
// browser run (browser-entry.ts, driven by tests/webgpu-browser.test.ts): the
// WebGPU backend against the reference backend on small shapes, with plain
// throws so that they need no test framework.
import { ReferenceBackend } from '../../src/engine/backends/reference/index.ts';
import type { Backend, Buffer, ConvParams } from '../../src/engine/backends/backend.ts';
import { uniformArray } from '../../src/engine/core/random.ts';

const ref = new ReferenceBackend('float32');
let gpu: Backend | null = null;
let seed = 5;
const rand = (n: number): Float32Array => Float32Array.from(uniformArray(n, seed++), (u) => 2 * u - 1);

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0,
    s = 1;
  for (let i = 0; i < b.length; i++) {
    s = Math.max(s, Math.abs(b[i]));
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return Number.isNaN(m) ? Infinity : m / s;
}

async function parity(
  what: string,
  inputs: Float32Array[],
  k: (be: Backend, b: Buffer[]) => Buffer,
  tol: number,
): Promise<void> {
  const g = gpu!;
  const want = ref.readSync(
    k(
      ref,
      inputs.map((x) => ref.fromArray(x)),
    ),
  );
  const gb = inputs.map((x) => g.fromArray(x));
  const out = k(g, gb);
  const got = await g.read(out);
  [out, ...gb].forEach((b) => g.dispose(b));
  const e = relErr(got, want);
  if (!(e <= tol)) throw new Error(`${what}: relative error ${e} > ${tol}`);
}

const conv: ConvParams = {
  N: 2,
  C: 2,
  H: 6,
  W: 6,
  O: 3,
  kh: 3,
  kw: 3,
  stride: 2,
  padTop: 1,
  padBottom: 1,
  padLeft: 1,
  padRight: 1,
  mode: 'circular',
  Ho: 3,
  Wo: 3,
};

export function parityCases(backend: Backend): [string, () => Promise<void>][] {
  gpu = backend;
  return [
    [
      'elementwise and broadcasting',
      async () => {
        await parity('exp', [rand(100)], (be, [a]) => be.unary('exp', a), 1e-5);
        await parity('sin', [rand(100)], (be, [a]) => be.unary('sin', a), 1e-5);
        await parity(
          'add broadcast',
          [rand(12), rand(4)],
          (be, [a, b]) => be.binary('add', a, [4, 1], b, [0, 1], [3, 4]),
          1e-6,
        );
        await parity(
          'pow',
          [rand(10).map(Math.abs), rand(10)],
          (be, [a, b]) => be.binary('pow', a, [1], b, [1], [10]),
          1e-5,
        );
      },
    ],
    [
      'reductions and logSoftmax',
      async () => {
        await parity('sum', [rand(5 * 70)], (be, [a]) => be.reduceLast('sum', a, 5, 70), 1e-5);
        await parity('max', [rand(50 * 3)], (be, [a]) => be.reduceLast('max', a, 50, 3), 0);
        await parity('logSoftmax', [rand(4 * 10)], (be, [a]) => be.logSoftmax(a, 4, 10), 1e-5);
      },
    ],
    [
      'layout',
      async () => {
        await parity('transpose', [rand(24)], (be, [a]) => be.transpose(a, [2, 3, 4], [2, 0, 1]), 0);
        await parity('pad circular', [rand(12)], (be, [a]) => be.pad(a, [3, 4], [1, 2], [2, 1], 'circular'), 0);
        await parity(
          'concat',
          [rand(6), rand(4)],
          (be, bs) =>
            be.concat(
              bs,
              [
                [2, 3],
                [2, 2],
              ],
              1,
            ),
          0,
        );
      },
    ],
    [
      'matmul (all transposes)',
      async () => {
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const p = { batch: 2, m: 9, k: 13, n: 7, transA, transB, batchA: 2, batchB: 1 };
            await parity(
              `matmul ${transA} ${transB}`,
              [rand(2 * 9 * 13), rand(13 * 7)],
              (be, [a, b]) => be.matmul(a, b, p),
              1e-5,
            );
          }
      },
    ],
    [
      'conv2d, local2d and gradients',
      async () => {
        const p = conv;
        await parity('conv2d', [rand(2 * 2 * 36), rand(3 * 2 * 9)], (be, [a, b]) => be.conv2d(a, b, p), 1e-5);
        await parity(
          'conv2dGradInput',
          [rand(2 * 3 * 9), rand(3 * 2 * 9)],
          (be, [a, b]) => be.conv2dGradInput(a, b, p),
          1e-5,
        );
        await parity(
          'conv2dGradFilter',
          [rand(2 * 2 * 36), rand(2 * 3 * 9)],
          (be, [a, b]) => be.conv2dGradFilter(a, b, p),
          1e-5,
        );
        await parity('local2d', [rand(2 * 2 * 36), rand(3 * 2 * 9 * 9)], (be, [a, b]) => be.local2d(a, b, p), 1e-5);
        await parity(
          'local2dGradInput',
          [rand(2 * 3 * 9), rand(3 * 2 * 9 * 9)],
          (be, [a, b]) => be.local2dGradInput(a, b, p),
          1e-5,
        );
        await parity(
          'local2dGradFilter',
          [rand(2 * 2 * 36), rand(2 * 3 * 9)],
          (be, [a, b]) => be.local2dGradFilter(a, b, p),
          1e-5,
        );
      },
    ],
    [
      'FFTs and circular convolution',
      async () => {
        for (const n of [8, 28, 5, 200])
          await parity(`fft ${n}`, [rand(2 * n * 2)], (be, [a]) => be.fft(a, 2, n, false), 1e-4);
        await parity('ifft2 32x32', [rand(32 * 32 * 2)], (be, [a]) => be.fft2(a, 1, 32, 32, true), 1e-4);
        await parity('fft2 28x28', [rand(28 * 28 * 2)], (be, [a]) => be.fft2(a, 1, 28, 28, false), 1e-4);
        const cp = { N: 2, C: 2, O: 3, H: 8, W: 8 };
        await parity('circConv2d', [rand(2 * 2 * 64), rand(3 * 2 * 64)], (be, [a, b]) => be.circConv2d(a, b, cp), 1e-4);
        await parity(
          'circConv2dGradFilter',
          [rand(2 * 2 * 64), rand(2 * 3 * 64)],
          (be, [a, b]) => be.circConv2dGradFilter(a, b, cp),
          1e-4,
        );
      },
    ],
    [
      'sgdStep in place',
      async () => {
        const g = gpu!;
        const p0 = rand(50),
          g0 = rand(50),
          v0 = rand(50);
        const rp = ref.fromArray(p0),
          rv = ref.fromArray(v0),
          gp = g.fromArray(p0),
          gv = g.fromArray(v0),
          gg = g.fromArray(g0);
        ref.sgdStep(rp, ref.fromArray(g0), rv, 0.1, 0.9, 1e-3, true);
        g.sgdStep(gp, gg, gv, 0.1, 0.9, 1e-3, true);
        const e = relErr(await g.read(gp), ref.readSync(rp));
        [gp, gv, gg].forEach((b) => g.dispose(b));
        if (!(e < 1e-6)) throw new Error(`sgdStep: relative error ${e}`);
      },
    ],
  ];
}
