// Every WebGPU kernel against the reference backend (the oracle) on small random
// and edge shapes. Tolerances are relative to the largest expected magnitude:
// 1e-5 for elementwise/layout (exact up to f32 rounding), 1e-4 for sums and
// FFTs (f32 accumulation vs the reference's f64).
import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../src/engine/backends/reference/index.ts';
import type { BinaryOp, Buffer, ConvParams, MatmulParams, UnaryOp } from '../src/engine/backends/backend.ts';
import { uniformArray } from '../src/engine/core/random.ts';
import { stridesOf, sizeOf } from '../src/engine/core/shape.ts';
import { gpu, relErr, skipReason } from './webgpu-setup.ts';

const ref = new ReferenceBackend('float32');
const d = gpu ? describe : describe.skip;
let seed = 1;
const rand = (n: number, lo = -1, hi = 1): Float32Array =>
  Float32Array.from(uniformArray(n, seed++), (u) => lo + (hi - lo) * u);

/** Upload the same arrays to both backends, run `k` on each, compare. */
async function parity(
  inputs: ArrayLike<number>[],
  k: (be: typeof ref | NonNullable<typeof gpu>, bufs: Buffer[]) => Buffer,
  tol: number,
  what: string,
): Promise<void> {
  const g = gpu!;
  const rb = inputs.map((x) => ref.fromArray(x)),
    gb = inputs.map((x) => g.fromArray(x));
  const want = ref.readSync(k(ref, rb));
  const out = k(g, gb);
  const got = await g.read(out);
  g.dispose(out);
  gb.forEach((b) => g.dispose(b));
  const e = relErr(got, want);
  expect(e, `${what}: rel err ${e}`).toBeLessThanOrEqual(tol);
}

d(`webgpu kernels vs reference ${gpu ? `(${gpu.adapterInfo})` : `(skipped: ${skipReason})`}`, () => {
  it('fromArray / read / fill round trip, including empty', async () => {
    const g = gpu!;
    const x = rand(1000);
    const b = g.fromArray(x);
    expect(Array.from(await g.read(b))).toEqual(Array.from(x));
    const f = g.fill(77, -2.5);
    expect(Array.from(await g.read(f))).toEqual(new Array(77).fill(-2.5));
    const e = g.fromArray([]);
    expect((await g.read(e)).length).toBe(0);
    [b, f, e].forEach((t) => g.dispose(t));
    expect(() => g.readSync(b)).toThrow(/asynchronous/);
  });

  it('unary ops', async () => {
    const ops: UnaryOp[] = [
      'neg',
      'exp',
      'log',
      'sqrt',
      'abs',
      'sign',
      'relu',
      'step',
      'square',
      'reciprocal',
      'sin',
      'cos',
    ];
    for (const op of ops) {
      const pos = op === 'log' || op === 'sqrt' || op === 'reciprocal';
      const x = rand(301, pos ? 0.1 : -3, 3);
      if (!pos) x[0] = 0;
      await parity([x], (be, [a]) => be.unary(op, a), 2e-6, op);
      if (op === 'sin' || op === 'cos')
        await parity([rand(300, -2000, 2000)], (be, [a]) => be.unary(op, a), 5e-6, `${op} large arguments`);
    }
  });

  it('binary ops with broadcasting (and scalar forms, and where)', async () => {
    const ops: BinaryOp[] = [
      'add',
      'sub',
      'mul',
      'div',
      'max',
      'min',
      'pow',
      'gt',
      'ge',
      'lt',
      'le',
      'eq',
      'ne',
      'gate',
    ];
    const cases: [number[], number[], number[]][] = [
      [
        [3, 4, 5],
        [3, 4, 5],
        [3, 4, 5],
      ],
      [
        [2, 3, 4, 5],
        [1, 3, 1, 5],
        [2, 1, 4, 1],
      ],
      [
        [7, 1],
        [1, 6],
        [7, 6],
      ],
      [[], [], []],
      [
        [1, 2, 1, 3, 1, 2, 1, 2, 3],
        [1, 2, 1, 3, 1, 2, 1, 2, 1],
        [1, 1, 1, 3, 1, 1, 1, 2, 3],
      ],
    ];
    for (const op of ops) {
      for (const [out, as, bs] of cases) {
        const a = rand(sizeOf(as), op === 'pow' ? 0.2 : -2, 2),
          b = rand(sizeOf(bs), -2, 2);
        if (a.length > 1 && b.length > 1) {
          a[1] = b[1] = 0.5;
        } // equal pairs for eq/ne/ge/le
        const bc = (sh: number[]): number[] => {
          const st = stridesOf(sh);
          return sh.map((s, i) => (s === 1 ? 0 : st[i]));
        };
        await parity(
          [a, b],
          (be, [x, y]) => be.binary(op, x, bc(as), y, bc(bs), out),
          2e-6,
          `${op} ${JSON.stringify([as, bs])}`,
        );
      }
      const x = rand(100, 0.1, 2);
      await parity([x], (be, [a]) => be.binaryScalar(op, a, 1.5, false), 2e-6, `${op} scalar`);
      await parity([x], (be, [a]) => be.binaryScalar(op, a, 1.5, true), 2e-6, `${op} scalar first`);
    }
    // pow with negative bases and integer exponents
    await parity(
      [Float32Array.from([-2, -3, -0.5, 0, 2]), Float32Array.from([2, 3, -1, 2, 0.5])],
      (be, [a, b]) => be.binary('pow', a, [1], b, [1], [5]),
      2e-6,
      'pow signs',
    );
    const c = Float32Array.from(rand(12), (v) => (v > 0 ? 1 : 0));
    await parity(
      [c, rand(4), rand(3)],
      (be, [cc, a, b]) => be.where(cc, [4, 1], a, [0, 1], b, [1, 0], [3, 4]),
      0,
      'where',
    );
  });

  it('reductions (sum/max/min over the last axis) and logSoftmax', async () => {
    for (const [outer, n] of [
      [1, 1],
      [5, 7],
      [3, 64],
      [2, 1000],
      [3000, 3],
      [100, 33],
      [0, 4],
    ]) {
      const x = rand(outer * n, -5, 5);
      for (const op of ['sum', 'max', 'min'] as const)
        await parity([x], (be, [a]) => be.reduceLast(op, a, outer, n), 1e-5, `${op} ${outer}x${n}`);
      await parity([x], (be, [a]) => be.logSoftmax(a, outer, n), 1e-5, `logSoftmax ${outer}x${n}`);
    }
    const big = rand(4 * 10, 60, 90); // large logits: the max shift must keep it finite
    await parity([big], (be, [a]) => be.logSoftmax(a, 4, 10), 1e-5, 'logSoftmax large');
  });

  it('transpose, slice, pad (zero and circular), concat', async () => {
    const shape = [2, 3, 4, 5];
    const x = rand(120);
    for (const perm of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [0, 2, 1, 3],
      [1, 0, 3, 2],
    ])
      await parity([x], (be, [a]) => be.transpose(a, shape, perm), 0, `transpose ${perm}`);
    await parity([x], (be, [a]) => be.slice(a, shape, [1, 0, 1, 2], [1, 3, 2, 3]), 0, 'slice');
    await parity([x], (be, [a]) => be.slice(a, shape, [0, 1, 0, 0], [2, 1, 4, 5]), 0, 'slice 2');
    for (const mode of ['zero', 'circular'] as const) {
      await parity([x], (be, [a]) => be.pad(a, shape, [0, 1, 2, 3], [1, 0, 4, 5], mode), 0, `pad ${mode}`);
    }
    const y = rand(2 * 3 * 2 * 5),
      z = rand(2 * 3 * 1 * 5);
    await parity([x, y, z], (be, bs) => be.concat(bs, [shape, [2, 3, 2, 5], [2, 3, 1, 5]], 2), 0, 'concat axis 2');
    await parity([x, x], (be, bs) => be.concat(bs, [shape, shape], 0), 0, 'concat axis 0');
  });

  it('matmul: all transpose cases, batches, odd and edge sizes', async () => {
    const cases: [number, number, number, number, number, number][] = [
      // batch, m, k, n, batchA, batchB
      [1, 1, 1, 1, 1, 1],
      [1, 33, 17, 35, 1, 1],
      [3, 8, 40, 5, 3, 3],
      [4, 31, 9, 64, 1, 4],
      [2, 65, 33, 2, 2, 1],
      [1, 3, 0, 4, 1, 1],
      // long k, few output tiles: split-K
      [1, 5, 3000, 7, 1, 1],
      [3, 4, 700, 3, 3, 1],
    ];
    for (const [batch, m, k, n, batchA, batchB] of cases) {
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          const p: MatmulParams = { batch, m, k, n, transA, transB, batchA, batchB };
          await parity(
            [rand(batchA * m * k), rand(batchB * k * n)],
            (be, [a, b]) => be.matmul(a, b, p),
            1e-5,
            `matmul ${JSON.stringify(p)}`,
          );
        }
    }
  });

  const convCases = (): ConvParams[] => {
    const mk = (
      N: number,
      C: number,
      H: number,
      W: number,
      O: number,
      kh: number,
      kw: number,
      stride: number,
      pad: [number, number, number, number],
      mode: 'zero' | 'circular',
    ): ConvParams => {
      const [padTop, padBottom, padLeft, padRight] = pad;
      const Ho = Math.floor((H + padTop + padBottom - kh) / stride) + 1,
        Wo = Math.floor((W + padLeft + padRight - kw) / stride) + 1;
      return { N, C, H, W, O, kh, kw, stride, padTop, padBottom, padLeft, padRight, mode, Ho, Wo };
    };
    return [
      mk(2, 3, 6, 6, 4, 3, 3, 1, [1, 1, 1, 1], 'zero'), // same
      mk(2, 2, 7, 6, 3, 3, 3, 2, [1, 1, 1, 1], 'zero'), // stride 2
      mk(1, 2, 7, 7, 2, 3, 2, 2, [0, 0, 0, 0], 'zero'), // valid, non-square kernel
      mk(2, 2, 6, 5, 3, 3, 3, 1, [1, 1, 1, 1], 'circular'),
      mk(2, 2, 6, 6, 2, 5, 5, 2, [2, 2, 2, 2], 'circular'), // circular stride 2
      mk(1, 2, 4, 4, 2, 5, 5, 1, [4, 4, 3, 4], 'circular'), // kernel wider than the image: several wraps
      mk(1, 3, 5, 5, 2, 1, 1, 1, [0, 0, 0, 0], 'zero'), // 1x1
      mk(1, 1, 5, 6, 1, 2, 3, 1, [0, 1, 2, 0], 'zero'), // asymmetric padding
    ];
  };

  it('conv2d and both gradients (zero / circular / valid, strides 1 and 2)', async () => {
    for (const p of convCases()) {
      const x = rand(p.N * p.C * p.H * p.W),
        w = rand(p.O * p.C * p.kh * p.kw),
        g = rand(p.N * p.O * p.Ho * p.Wo);
      await parity([x, w], (be, [a, b]) => be.conv2d(a, b, p), 1e-5, `conv2d ${JSON.stringify(p)}`);
      await parity([g, w], (be, [a, b]) => be.conv2dGradInput(a, b, p), 1e-5, `conv2dGradInput ${JSON.stringify(p)}`);
      await parity([x, g], (be, [a, b]) => be.conv2dGradFilter(a, b, p), 1e-5, `conv2dGradFilter ${JSON.stringify(p)}`);
    }
  });

  it('local2d and both gradients', async () => {
    for (const p of convCases()) {
      const x = rand(p.N * p.C * p.H * p.W),
        w = rand(p.O * p.C * p.Ho * p.Wo * p.kh * p.kw),
        g = rand(p.N * p.O * p.Ho * p.Wo);
      await parity([x, w], (be, [a, b]) => be.local2d(a, b, p), 1e-5, `local2d ${JSON.stringify(p)}`);
      await parity([g, w], (be, [a, b]) => be.local2dGradInput(a, b, p), 1e-5, `local2dGradInput ${JSON.stringify(p)}`);
      await parity(
        [x, g],
        (be, [a, b]) => be.local2dGradFilter(a, b, p),
        1e-5,
        `local2dGradFilter ${JSON.stringify(p)}`,
      );
    }
  });

  it('FFT 1-D: powers of two up to 65536, 28, small odd sizes and Bluestein sizes up to 50000, forward and inverse', async () => {
    for (const n of [1, 2, 4, 8, 28, 5, 12, 64, 127, 200, 1024, 65536, 50000]) {
      const batch = n > 10000 ? 1 : n > 100 ? 2 : 3;
      const x = rand(batch * n * 2);
      for (const inverse of [false, true])
        await parity(
          [x],
          (be, [a]) => be.fft(a, batch, n, inverse),
          2e-5 * Math.log2(2 * n),
          `fft n=${n} inverse=${inverse}`,
        );
    }
  });

  it('FFT 2-D: 32x32, 28x28, 8x4, 7x5, forward and inverse', async () => {
    for (const [h, w] of [
      [32, 32],
      [28, 28],
      [8, 4],
      [7, 5],
      [1, 6],
    ]) {
      const x = rand(2 * h * w * 2);
      for (const inverse of [false, true])
        await parity([x], (be, [a]) => be.fft2(a, 2, h, w, inverse), 1e-4, `fft2 ${h}x${w} inverse=${inverse}`);
    }
  });

  it('circular convolutions (through the FFT) and their gradients', async () => {
    for (const [N, C, O, H, W] of [
      [2, 3, 4, 8, 8],
      [1, 2, 2, 7, 5],
      [2, 1, 3, 28, 28],
    ]) {
      const p = { N, C, O, H, W };
      const x = rand(N * C * H * W),
        w = rand(O * C * H * W),
        g = rand(N * O * H * W);
      await parity([x, w], (be, [a, b]) => be.circConv2d(a, b, p), 1e-4, `circConv2d ${JSON.stringify(p)}`);
      await parity(
        [g, w],
        (be, [a, b]) => be.circConv2dGradInput(a, b, p),
        1e-4,
        `circConv2dGradInput ${JSON.stringify(p)}`,
      );
      await parity(
        [x, g],
        (be, [a, b]) => be.circConv2dGradFilter(a, b, p),
        1e-4,
        `circConv2dGradFilter ${JSON.stringify(p)}`,
      );
    }
  });

  it('sgdStep in place (plain, momentum + weight decay, nesterov)', async () => {
    const g = gpu!;
    for (const [lr, mom, wd, nest] of [
      [0.1, 0, 0, false],
      [0.05, 0.9, 1e-3, false],
      [0.05, 0.9, 5e-4, true],
    ] as const) {
      const p0 = rand(300),
        g0 = rand(300),
        v0 = rand(300);
      const rp = ref.fromArray(p0),
        rg = ref.fromArray(g0),
        rv = ref.fromArray(v0);
      const gp = g.fromArray(p0),
        gg = g.fromArray(g0),
        gv = g.fromArray(v0);
      for (let s = 0; s < 3; s++) {
        ref.sgdStep(rp, rg, rv, lr, mom, wd, nest);
        g.sgdStep(gp, gg, gv, lr, mom, wd, nest);
      }
      expect(relErr(await g.read(gp), ref.readSync(rp))).toBeLessThan(1e-6);
      expect(relErr(await g.read(gv), ref.readSync(rv))).toBeLessThan(1e-6);
      [gp, gg, gv].forEach((b) => g.dispose(b));
    }
  });

  it('profile(): GPU time per kernel through timestamp queries (where the adapter has them)', async () => {
    const g = gpu!;
    if (!g.hasTimestamps) {
      await expect(g.profile(() => 0)).rejects.toThrow(/timestamp-query/);
      return;
    }
    const a = g.fromArray(rand(64 * 64)),
      b = g.fromArray(rand(64 * 64));
    const p: MatmulParams = { batch: 1, m: 64, k: 64, n: 64, transA: false, transB: false, batchA: 1, batchB: 1 };
    const times = await g.profile(() => {
      for (let i = 0; i < 3; i++) g.dispose(g.matmul(a, b, p));
      g.dispose(g.unary('exp', a));
    });
    expect(times.get('matmul')?.calls).toBe(3);
    expect(times.get('unary')?.calls).toBe(1);
    for (const { ms } of times.values()) expect(ms).toBeGreaterThanOrEqual(0);
    // and the results are still right after profiling
    await parity([rand(64 * 64), rand(64 * 64)], (be, [x, y]) => be.matmul(x, y, p), 1e-5, 'matmul after profile');
    g.dispose(a);
    g.dispose(b);
  });

  it('grids over the per-dimension workgroup limit are split (limit lowered to 7 to test it)', async () => {
    const g = gpu!,
      saved = g.maxGroups;
    g.maxGroups = 7;
    try {
      const x = rand(64 * 21);
      await parity([x], (be, [a]) => be.unary('square', a), 1e-6, 'unary split');
      await parity([x], (be, [a]) => be.reduceLast('sum', a, 25, 52), 1e-5, 'reduce rows split');
      await parity([x], (be, [a]) => be.reduceLast('max', a, 64 * 21, 1), 1e-6, 'short rows split');
      const p: MatmulParams = { batch: 20, m: 3, k: 4, n: 5, transA: false, transB: true, batchA: 20, batchB: 1 };
      await parity([rand(20 * 12), rand(20)], (be, [a, b]) => be.matmul(a, b, p), 1e-5, 'matmul batch split');
      const q: MatmulParams = { batch: 5, m: 3, k: 600, n: 2, transA: true, transB: false, batchA: 5, batchB: 5 };
      await parity(
        [rand(5 * 1800), rand(5 * 1200)],
        (be, [a, b]) => be.matmul(a, b, q),
        1e-5,
        'split-K matmul, batch split',
      );
      const c = convCases()[2]; // 24 weights: one workgroup each
      await parity(
        [rand(c.N * c.C * c.H * c.W), rand(c.N * c.O * c.Ho * c.Wo)],
        (be, [a, b]) => be.conv2dGradFilter(a, b, c),
        1e-5,
        'conv2dGradFilter split',
      );
    } finally {
      g.maxGroups = saved;
    }
    const big = g.fromArray(rand(64 * 5));
    g.maxGroups = 2;
    try {
      expect(() => g.unary('neg', big)).toThrow(/workgroups/);
    } finally {
      g.maxGroups = saved;
      g.dispose(big);
    }
  });
});
