// Every WASM primitive kernel against the reference backend (the oracle), on
// random data with odd and edge sizes (1, 3, 31, 33, 127) and the benchmark's
// FC shapes, with one and two threads.
// Tolerance: max|wasm - ref| / max|ref| <= 1e-5 for matmul, conv, local and
// reductions; <= 1e-6 for FFTs (float32 radix kernels with float64-derived twiddles)
// at the hot sizes; elementwise ops are exact or within 2 float32 ulps.
import { afterAll, describe, expect, test } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/engine/backends/wasm/index.ts';
import { ReferenceBackend } from '../src/engine/backends/reference/index.ts';
import type { Backend, BinaryOp, ConvParams, UnaryOp } from '../src/engine/backends/backend.ts';
import { uniformArray } from '../src/engine/core/random.ts';
import { stridesOf } from '../src/engine/core/shape.ts';

const ref = new ReferenceBackend('float32');
let seed = 1;
function rnd(n: number, lo = -1, hi = 1): Float32Array {
  const u = uniformArray(n, seed++);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u[i];
  return out;
}
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) {
      if (!Number.isNaN(a[i])) return Infinity;
      continue;
    }
    if (!Number.isFinite(b[i])) {
      if (a[i] !== b[i]) return Infinity;
      continue;
    }
    e = Math.max(e, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return e / Math.max(m, 1e-30);
}
/** Seeded data that depends only on `key` (so cached reference results stay valid across runs). */
function rndK(key: string, n: number): Float32Array {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  const u = uniformArray(n, h % 1000003);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * u[i] - 1;
  return out;
}
const refCache = new Map<string, Float32Array | Float64Array>();
/** Run the same kernel on both backends from the same host data; returns the relative error. */
function both(
  w: Backend,
  inputs: Float32Array[],
  f: (be: Backend, bufs: ReturnType<Backend['fromArray']>[]) => ReturnType<Backend['fromArray']>,
  cacheKey?: string,
): number {
  const run = (be: Backend) => {
    if (be === ref && cacheKey && refCache.has(cacheKey)) return refCache.get(cacheKey)!;
    const bufs = inputs.map((x) => be.fromArray(x));
    const out = f(be, bufs);
    const d = be.readSync(out);
    bufs.forEach((b) => be.dispose(b));
    be.dispose(out);
    if (be === ref && cacheKey) refCache.set(cacheKey, d);
    return d;
  };
  return relErr(run(w), run(ref));
}

/** FC-shape data and float64 expected rows, shared by the 1- and 2-thread runs. */
const fc = (() => {
  const mk = (n: number, s: number) => {
    const u = uniformArray(n, s);
    const o = new Float32Array(n);
    for (let i = 0; i < n; i++) o[i] = 2 * u[i] - 1;
    return o;
  };
  let cache: { x: Float32Array; W: Float32Array; g: Float32Array } | null = null;
  const get = () => (cache ??= { x: mk(128 * 3072, 901), W: mk(2700 * 3072, 902), g: mk(128 * 2700, 903) });
  return {
    get x() {
      return get().x;
    },
    get W() {
      return get().W;
    },
    get g() {
      return get().g;
    },
    rows: new Map<string, Float64Array>(),
  };
})();

const backends: WasmBackend[] = [];
afterAll(() => backends.forEach((b) => b.terminate()));

for (const threads of [1, 2]) {
  describe(`wasm kernels, ${threads} thread(s)`, async () => {
    const w = await createWasmBackend({ threads });
    backends.push(w);

    test('thread count; with 2 threads the worker really runs shares', () => {
      expect(w.threads).toBe(threads);
      if (threads === 1) {
        expect(w.threadStats()).toBeNull();
        return;
      }
      const a = w.fromArray(rndK('ta', 512 * 512)),
        b = w.fromArray(rndK('tb', 512 * 512));
      for (let i = 0; i < 6; i++)
        w.dispose(
          w.matmul(a, b, { batch: 1, m: 512, k: 512, n: 512, transA: false, transB: false, batchA: 1, batchB: 1 }),
        );
      w.dispose(a);
      w.dispose(b);
      expect(w.threadStats()!.workerShares).toBeGreaterThan(0);
    });

    test('unary ops match (float64 math rounded once; SIMD ops exact)', () => {
      const x = rnd(131, -3, 3);
      x[0] = 0;
      x[1] = -0;
      x[2] = NaN;
      x[3] = Infinity;
      for (const op of [
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
      ] as UnaryOp[]) {
        const e = both(w, [x], (be, [a]) => be.unary(op, a));
        expect(e, op).toBeLessThan(2e-7);
      }
    });

    test('binary ops with broadcasting, scalar ops and where', () => {
      const shapes: [number[], number[], number[]][] = [
        [[33], [33], [33]],
        [
          [3, 31],
          [3, 31],
          [3, 31],
        ],
        [
          [2, 3, 5],
          [3, 1],
          [2, 3, 5],
        ],
        [[127], [1], [127]],
        [[1], [127], [127]],
        [
          [4, 1, 6],
          [1, 5, 1],
          [4, 5, 6],
        ],
        [[1], [1], [1]],
        [[], [], []],
      ];
      for (const [sa, sb, so] of shapes) {
        const st = (s: number[]) => {
          const full = so.map((_, i) => s[i - (so.length - s.length)] ?? 1);
          const str = stridesOf(full);
          return full.map((d, i) => (d === 1 ? 0 : str[i]));
        };
        const na = sa.reduce((p, q) => p * q, 1),
          nb = sb.reduce((p, q) => p * q, 1);
        const a = rnd(na, -2, 2),
          b = rnd(nb, 0.5, 2);
        for (const op of [
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
        ] as BinaryOp[]) {
          const A = op === 'pow' ? a.map(Math.abs) : a;
          const B = op === 'gate' ? b.map((v) => v - 1.25) : b; // both signs
          const e = both(w, [A, B], (be, [x, y]) => be.binary(op, x, st(sa), y, st(sb), so));
          expect(e, `${op} ${JSON.stringify([sa, sb])}`).toBeLessThan(2e-7);
        }
      }
      const x = rnd(37, 0.1, 2);
      for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'gt', 'le', 'eq'] as BinaryOp[]) {
        for (const s of [0.5, 0.1, -3])
          for (const first of [false, true]) {
            expect(
              both(w, [x], (be, [a]) => be.binaryScalar(op, a, s, first)),
              `${op} ${s} ${first}`,
            ).toBeLessThan(2e-7);
          }
      }
      const c = rnd(60).map((v) => (v > 0 ? 1 : 0)),
        a = rnd(60),
        b = rnd(5);
      expect(both(w, [c, a, b], (be, [cc, aa, bb]) => be.where(cc, [5, 1], aa, [5, 1], bb, [0, 1], [12, 5]))).toBe(0);
    });

    test('reductions and log-softmax', () => {
      for (const [outer, n] of [
        [1, 1],
        [3, 31],
        [33, 127],
        [2, 3072],
        [5, 10],
      ]) {
        const x = rnd(outer * n, -5, 5);
        for (const op of ['sum', 'max', 'min'] as const)
          expect(
            both(w, [x], (be, [a]) => be.reduceLast(op, a, outer, n)),
            op,
          ).toBeLessThan(1e-6);
        expect(both(w, [x], (be, [a]) => be.logSoftmax(a, outer, n))).toBeLessThan(1e-6);
      }
    });

    test('layout: transpose, slice, pad (zero, circular), concat', () => {
      const x = rnd(2 * 3 * 31);
      expect(both(w, [x], (be, [a]) => be.transpose(a, [2, 3, 31], [2, 0, 1]))).toBe(0);
      expect(both(w, [x], (be, [a]) => be.transpose(a, [2, 3, 31], [1, 2, 0]))).toBe(0);
      expect(both(w, [x], (be, [a]) => be.slice(a, [2, 3, 31], [1, 1, 3], [1, 2, 27]))).toBe(0);
      for (const mode of ['zero', 'circular'] as const) {
        expect(
          both(w, [x], (be, [a]) => be.pad(a, [2, 3, 31], [0, 2, 1], [1, 3, 4], mode)),
          mode,
        ).toBe(0);
      }
      const y = rnd(2 * 5),
        z = rnd(2);
      expect(
        both(w, [x.subarray(0, 6), y, z], (be, [a, b, c]) =>
          be.concat(
            [a, b, c],
            [
              [2, 3],
              [2, 5],
              [2, 1],
            ],
            1,
          ),
        ),
      ).toBe(0);
    });

    test('sgdStep (momentum, weight decay, nesterov) in place', () => {
      for (const nesterov of [false, true]) {
        const p = rnd(131),
          g = rnd(131),
          v = rnd(131);
        const run = (be: Backend) => {
          const [P, G, V] = [p, g, v].map((a) => be.fromArray(a));
          be.sgdStep(P, G, V, 0.01, 0.9, 5e-4, nesterov);
          be.sgdStep(P, G, V, 0.01, 0.9, 5e-4, nesterov);
          const out = [be.readSync(P), be.readSync(V)];
          [P, G, V].forEach((b) => be.dispose(b));
          return out;
        };
        const [pw, vw] = run(w),
          [pr, vr] = run(ref);
        expect(relErr(pw, pr)).toBeLessThan(1e-6);
        expect(relErr(vw, vr)).toBeLessThan(1e-6);
      }
    });

    test('matmul, all transpose cases, odd and edge sizes, batched', () => {
      const sizes = [
        [1, 1, 1],
        [3, 1, 5],
        [1, 127, 3],
        [33, 31, 127],
        [127, 33, 31],
        [31, 128, 33],
        [64, 300, 9],
      ];
      for (const [m, k, n] of sizes) {
        for (const tA of [false, true])
          for (const tB of [false, true]) {
            const p = { batch: 1, m, k, n, transA: tA, transB: tB, batchA: 1, batchB: 1 };
            expect(
              both(w, [rnd(m * k), rnd(k * n)], (be, [a, b]) => be.matmul(a, b, p)),
              JSON.stringify(p),
            ).toBeLessThan(1e-5);
          }
      }
      for (const [bA, bB] of [
        [3, 3],
        [1, 3],
        [3, 1],
      ]) {
        const p = { batch: 3, m: 5, k: 7, n: 9, transA: false, transB: true, batchA: bA, batchB: bB };
        expect(both(w, [rnd(bA * 35), rnd(bB * 63)], (be, [a, b]) => be.matmul(a, b, p))).toBeLessThan(1e-5);
      }
    });

    test('matmul at the FC shapes 128x3072x2700 and its two gradients (24 sampled rows vs float64)', () => {
      // forward x[128,3072] @ W[2700,3072]^T; dW = g^T x ; dx = g W. The oracle is a float64
      // dot product for 24 sampled output rows (the full reference product costs ~8 s per case).
      const x = fc.x,
        W = fc.W,
        g = fc.g;
      const cases: [Float32Array, Float32Array, number, number, number, boolean, boolean][] = [
        [x, W, 128, 3072, 2700, false, true],
        [g, x, 2700, 128, 3072, true, false],
        [g, W, 128, 2700, 3072, false, false],
      ];
      for (const [A, B, m, k, n, tA, tB] of cases) {
        const a = w.fromArray(A),
          b = w.fromArray(B);
        const o = w.matmul(a, b, { batch: 1, m, k, n, transA: tA, transB: tB, batchA: 1, batchB: 1 });
        const got = w.readSync(o);
        [a, b, o].forEach((t) => w.dispose(t));
        const rows = Array.from({ length: 24 }, (_, i) => Math.floor((((i * 7919) % 997) / 997) * m));
        let e = 0,
          mx = 0;
        const key = `${m}x${k}x${n}`;
        let want = fc.rows.get(key);
        if (!want) {
          want = new Float64Array(rows.length * n);
          rows.forEach((i, r) => {
            const acc = want!.subarray(r * n, r * n + n);
            for (let q = 0; q < k; q++) {
              const av = tA ? A[q * m + i] : A[i * k + q];
              if (tB) for (let j = 0; j < n; j++) acc[j] += av * B[j * k + q];
              else {
                const off = q * n;
                for (let j = 0; j < n; j++) acc[j] += av * B[off + j];
              }
            }
          });
          fc.rows.set(key, want);
        }
        rows.forEach((i, r) => {
          for (let j = 0; j < n; j++) {
            e = Math.max(e, Math.abs(got[i * n + j] - want![r * n + j]));
            mx = Math.max(mx, Math.abs(want![r * n + j]));
          }
        });
        expect(e / mx, `${m}x${k}x${n}`).toBeLessThan(1e-5);
      }
    });

    const convCases: Omit<ConvParams, 'Ho' | 'Wo'>[] = [];
    for (const mode of ['zero', 'circular'] as const)
      for (const stride of [1, 2]) {
        convCases.push({
          N: 3,
          C: 3,
          H: 9,
          W: 8,
          O: 5,
          kh: 3,
          kw: 3,
          stride,
          padTop: 1,
          padBottom: 1,
          padLeft: 1,
          padRight: 1,
          mode,
        });
        convCases.push({
          N: 2,
          C: 2,
          H: 7,
          W: 6,
          O: 3,
          kh: 3,
          kw: 2,
          stride,
          padTop: 2,
          padBottom: 0,
          padLeft: 1,
          padRight: 0,
          mode,
        });
      }
    convCases.push({
      N: 1,
      C: 1,
      H: 1,
      W: 1,
      O: 1,
      kh: 1,
      kw: 1,
      stride: 1,
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 0,
      mode: 'zero',
    });
    convCases.push({
      N: 2,
      C: 3,
      H: 31,
      W: 33,
      O: 4,
      kh: 5,
      kw: 3,
      stride: 2,
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 0,
      mode: 'zero',
    }); // valid
    convCases.push({
      N: 3,
      C: 5,
      H: 31,
      W: 33,
      O: 7,
      kh: 5,
      kw: 3,
      stride: 1,
      padTop: 2,
      padBottom: 1,
      padLeft: 0,
      padRight: 2,
      mode: 'circular',
    });
    convCases.push({
      N: 3,
      C: 5,
      H: 31,
      W: 33,
      O: 7,
      kh: 5,
      kw: 3,
      stride: 1,
      padTop: 2,
      padBottom: 1,
      padLeft: 0,
      padRight: 2,
      mode: 'zero',
    });
    convCases.push({
      N: 4,
      C: 3,
      H: 32,
      W: 32,
      O: 32,
      kh: 3,
      kw: 3,
      stride: 1,
      padTop: 1,
      padBottom: 1,
      padLeft: 1,
      padRight: 1,
      mode: 'circular',
    }); // BWC1 layer
    const full = (c: Omit<ConvParams, 'Ho' | 'Wo'>): ConvParams => ({
      ...c,
      Ho: Math.floor((c.H + c.padTop + c.padBottom - c.kh) / c.stride) + 1,
      Wo: Math.floor((c.W + c.padLeft + c.padRight - c.kw) / c.stride) + 1,
    });

    test('conv2d (direct and im2col forward) and both gradients: zero/circular/valid padding, stride 1 and 2', () => {
      for (const algo of ['direct', 'im2col'] as const)
        for (const c of convCases.map(full)) {
          w.convAlgo = algo;
          const tag = JSON.stringify(c);
          const X = rndK(`x${tag}`, c.N * c.C * c.H * c.W),
            Wt = rndK(`w${tag}`, c.O * c.C * c.kh * c.kw),
            G = rndK(`g${tag}`, c.N * c.O * c.Ho * c.Wo);
          expect(
            both(w, [X, Wt], (be, [a, b]) => be.conv2d(a, b, c), `conv${tag}`),
            tag,
          ).toBeLessThan(1e-5);
          expect(
            both(w, [G, Wt], (be, [a, b]) => be.conv2dGradInput(a, b, c), `convgi${tag}`),
            tag,
          ).toBeLessThan(1e-5);
          expect(
            both(w, [X, G], (be, [a, b]) => be.conv2dGradFilter(a, b, c), `convgf${tag}`),
            tag,
          ).toBeLessThan(1e-5);
        }
      w.convAlgo = 'auto';
    });

    test('locally connected and both gradients', () => {
      for (const c of convCases.slice(0, -1).map(full)) {
        const tag = JSON.stringify(c);
        const X = rndK(`x${tag}`, c.N * c.C * c.H * c.W),
          Wt = rndK(`lw${tag}`, c.O * c.C * c.Ho * c.Wo * c.kh * c.kw),
          G = rndK(`g${tag}`, c.N * c.O * c.Ho * c.Wo);
        expect(
          both(w, [X, Wt], (be, [a, b]) => be.local2d(a, b, c), `lc${tag}`),
          tag,
        ).toBeLessThan(1e-5);
        expect(
          both(w, [G, Wt], (be, [a, b]) => be.local2dGradInput(a, b, c), `lcgi${tag}`),
          tag,
        ).toBeLessThan(1e-5);
        expect(
          both(w, [X, G], (be, [a, b]) => be.local2dGradFilter(a, b, c), `lcgf${tag}`),
          tag,
        ).toBeLessThan(1e-5);
      }
    });

    test('FFT: 1-D and 2-D, forward and inverse, hot and odd sizes', () => {
      for (const [batch, n] of [
        [1, 1],
        [3, 2],
        [64, 32],
        [17, 28],
        [5, 31],
        [2, 33],
        [3, 127],
        [1, 1024],
        [4, 6],
      ]) {
        const x = rnd(batch * n * 2);
        for (const inv of [false, true]) {
          // tolerance grows with log n and with prime factors handled by the generic radix
          const tol = n === 32 || n === 28 || n === 1024 ? 1e-6 : 3e-6;
          expect(
            both(w, [x], (be, [a]) => be.fft(a, batch, n, inv)),
            `fft ${batch}x${n} ${inv}`,
          ).toBeLessThan(tol);
        }
      }
      for (const [batch, h, wd] of [
        [9, 32, 32],
        [5, 28, 28],
        [1, 1, 1],
        [3, 1, 7],
        [2, 31, 33],
        [2, 3, 127],
        [2, 12, 30],
      ]) {
        const x = rnd(batch * h * wd * 2);
        for (const inv of [false, true]) {
          const tol = h === 32 || h === 28 ? 1e-6 : 3e-6;
          expect(
            both(w, [x], (be, [a]) => be.fft2(a, batch, h, wd, inv)),
            `fft2 ${batch}x${h}x${wd} ${inv}`,
          ).toBeLessThan(tol);
        }
      }
    });

    test('1-D FFT by the four-step split (n >= 2^11, or >= 2^8 below 4 rows) against a float64 DFT, forward and inverse', () => {
      // 2 x 2311 has no split and [4, 512] has enough rows: both keep the direct path
      for (const [batch, n] of [
        [2, 2048],
        [1, 3072],
        [1, 4096],
        [1, 2 * 2311],
        [1, 256],
        [3, 1024],
        [4, 512],
      ]) {
        const x = rnd(batch * n * 2);
        const c = new Float64Array(n),
          sn = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          c[k] = Math.cos((2 * Math.PI * k) / n);
          sn[k] = Math.sin((2 * Math.PI * k) / n);
        }
        for (const inv of [false, true]) {
          const want = new Float64Array(batch * n * 2),
            sg = inv ? 1 : -1;
          for (let b = 0; b < batch; b++)
            for (let k = 0; k < n; k++) {
              let re = 0,
                im = 0;
              for (let j = 0, t = 0; j < n; j++, t = (t + k) % n) {
                const xr = x[(b * n + j) * 2],
                  xi = x[(b * n + j) * 2 + 1];
                re += xr * c[t] - sg * xi * sn[t];
                im += sg * xr * sn[t] + xi * c[t];
              }
              want[(b * n + k) * 2] = inv ? re / n : re;
              want[(b * n + k) * 2 + 1] = inv ? im / n : im;
            }
          const xb = w.fromArray(x),
            y = w.fft(xb, batch, n, inv);
          expect(relErr(w.readSync(y), want), `fft ${batch}x${n} ${inv}`).toBeLessThan(3e-6);
          w.dispose(xb);
          w.dispose(y);
        }
      }
    });

    test('rfft2 / irfft2 (half spectra by Hermitian symmetry) against a float64 DFT', () => {
      for (const [batch, h, wd] of [
        [3, 32, 32],
        [2, 28, 28],
        [1, 1, 1],
        [3, 5, 7],
        [2, 6, 5],
        [1, 4, 1],
        [3, 1, 6],
      ]) {
        const wh = (wd >> 1) + 1,
          x = rnd(batch * h * wd);
        // float64 DFT of each real plane, kept for k2 in [0, wd/2]
        const want = new Float64Array(batch * h * wh * 2);
        for (let b = 0; b < batch; b++)
          for (let k1 = 0; k1 < h; k1++)
            for (let k2 = 0; k2 < wh; k2++) {
              let re = 0,
                im = 0;
              for (let n1 = 0; n1 < h; n1++)
                for (let n2 = 0; n2 < wd; n2++) {
                  const t = -2 * Math.PI * ((k1 * n1) / h + (k2 * n2) / wd),
                    v = x[(b * h + n1) * wd + n2];
                  re += v * Math.cos(t);
                  im += v * Math.sin(t);
                }
              want[((b * h + k1) * wh + k2) * 2] = re;
              want[((b * h + k1) * wh + k2) * 2 + 1] = im;
            }
        const xb = w.fromArray(x),
          y = w.rfft2(xb, batch, h, wd),
          got = w.readSync(y);
        expect(relErr(got, want), `rfft2 ${batch}x${h}x${wd}`).toBeLessThan(2e-6);
        const back = w.irfft2(y, batch, h, wd);
        expect(relErr(w.readSync(back), x), `irfft2 ${batch}x${h}x${wd}`).toBeLessThan(2e-6);
        // the same half of the complex path's full spectrum
        const z = new Float32Array(batch * h * wd * 2);
        for (let i = 0; i < x.length; i++) z[2 * i] = x[i];
        const zb = w.fromArray(z),
          fb = w.fft2(zb, batch, h, wd, false),
          full = w.readSync(fb);
        const half = new Float32Array(got.length);
        for (let r = 0; r < batch * h; r++)
          for (let k2 = 0; k2 < wh; k2++) {
            half[(r * wh + k2) * 2] = full[(r * wd + k2) * 2];
            half[(r * wh + k2) * 2 + 1] = full[(r * wd + k2) * 2 + 1];
          }
        expect(relErr(got, half), `rfft2 vs fft2 ${batch}x${h}x${wd}`).toBeLessThan(2e-6);
        [xb, y, back, zb, fb].forEach((b) => w.dispose(b));
      }
    });

    test('full-width circular convolution and both gradients (through the FFT)', () => {
      for (const p of [
        { N: 3, C: 2, O: 4, H: 6, W: 5 },
        { N: 4, C: 3, O: 3, H: 32, W: 32 },
        { N: 1, C: 1, O: 1, H: 1, W: 1 },
        { N: 2, C: 3, O: 2, H: 28, W: 28 },
      ]) {
        const HW = p.H * p.W;
        const X = rnd(p.N * p.C * HW),
          Wt = rnd(p.O * p.C * HW),
          G = rnd(p.N * p.O * HW);
        expect(
          both(w, [X, Wt], (be, [a, b]) => be.circConv2d(a, b, p)),
          JSON.stringify(p),
        ).toBeLessThan(1e-5);
        expect(
          both(w, [G, Wt], (be, [a, b]) => be.circConv2dGradInput(a, b, p)),
          JSON.stringify(p),
        ).toBeLessThan(1e-5);
        expect(
          both(w, [X, G], (be, [a, b]) => be.circConv2dGradFilter(a, b, p)),
          JSON.stringify(p),
        ).toBeLessThan(1e-5);
      }
    });

    test('memory: buffers are counted, freed and reused (a loop does not grow the heap)', () => {
      const m0 = w.memory();
      const step = () => {
        const a = w.fromArray(rnd(1000)),
          b = w.fill(777, 2);
        const c = w.unary('exp', a);
        [a, b, c].forEach((x) => w.dispose(x));
      };
      step();
      const top = w.heapBytes();
      for (let i = 0; i < 50; i++) step();
      expect(w.heapBytes()).toBe(top);
      expect(w.memory()).toEqual(m0);
      const a = w.fill(10, 1);
      expect(w.memory().buffers).toBe(m0.buffers + 1);
      expect(w.memory().bytes).toBe(m0.bytes + 40);
      w.dispose(a);
      w.dispose(a); // double dispose is a no-op
      expect(w.memory()).toEqual(m0);
      expect(() => w.readSync(a)).toThrow(/after dispose/);
    });
  });
}
