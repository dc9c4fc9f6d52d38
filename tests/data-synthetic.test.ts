// The synthetic data set, batching, and the steganography transform checked through the FFT.
import { describe, it, expect } from 'vitest';
import { syntheticDataset } from '../src/lab/data/synthetic.ts';
import { steganography, stegoPattern } from '../src/lab/data/steganography.ts';
import { batches, epochOrder, gather, examples } from '../src/lab/data/batches.ts';
import { classCounts, channelStats, makeSplit, type Dataset } from '../src/lab/data/dataset.ts';
import { tensor } from '../src/engine/ops/creation.ts';
import { fft2, fftshift, toComplex } from '../src/engine/ops/fft.ts';
import { ReferenceBackend } from '../src/engine/backends/reference/index.ts';
import { fft2dInterleaved } from '../src/engine/fft/host.ts';
import '../src/engine/backends/registry.ts';

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

describe('synthetic data set', () => {
  const ds = syntheticDataset({ train: 300, test: 100, seed: 5 });
  it('shape, balance, range, determinism, seed dependence', () => {
    expect(ds.shape).toEqual([3, 32, 32]);
    expect(ds.train.x.length).toBe(300 * 3072);
    expect(classCounts(ds.train.y, 10)).toEqual(new Array(10).fill(30));
    expect(ds.train.x).toBeInstanceOf(Uint8Array);
    const again = syntheticDataset({ train: 300, test: 100, seed: 5 });
    expect(same(again.train.x, ds.train.x)).toBe(true);
    expect(same(again.test.y, ds.test.y)).toBe(true);
    const other = syntheticDataset({ train: 300, test: 100, seed: 6 });
    expect(same(other.train.x, ds.train.x)).toBe(false);
    const st = channelStats(ds.train, ds.shape);
    for (const m of st.mean) expect(Math.abs(m - 0.5)).toBeLessThan(0.02);
    for (const s of st.std) {
      expect(s).toBeGreaterThan(0.1);
      expect(s).toBeLessThan(0.3);
    }
    const small = syntheticDataset({ shape: [1, 28, 28], train: 20, test: 10 });
    expect(small.train.x.length).toBe(20 * 784);
  });
  it('~1/f amplitude spectrum: log-log slope of the radial amplitude near -1', () => {
    // average |FFT| of the mean-removed grey image over radius bins 2..12
    const acc = new Float64Array(17),
      cnt = new Float64Array(17);
    for (let i = 0; i < 100; i++) {
      const c = new Float64Array(2 * 1024);
      let m = 0;
      for (let k = 0; k < 1024; k++) m += ds.train.x[i * 3072 + k] / 255 / 1024;
      for (let k = 0; k < 1024; k++) c[2 * k] = ds.train.x[i * 3072 + k] / 255 - m;
      fft2dInterleaved(c, 1, 32, 32, false);
      for (let a = 0; a < 32; a++)
        for (let b = 0; b < 32; b++) {
          const r = Math.round(Math.hypot(a <= 16 ? a : a - 32, b <= 16 ? b : b - 32));
          if (r >= 1 && r <= 16) {
            acc[r] += Math.hypot(c[2 * (a * 32 + b)], c[2 * (a * 32 + b) + 1]);
            cnt[r]++;
          }
        }
    }
    const xs: number[] = [],
      ys: number[] = [];
    for (let r = 2; r <= 12; r++) {
      xs.push(Math.log(r));
      ys.push(Math.log(acc[r] / cnt[r]));
    }
    const mx = xs.reduce((a, b) => a + b) / xs.length,
      my = ys.reduce((a, b) => a + b) / ys.length;
    const slope = xs.reduce((a, x, k) => a + (x - mx) * (ys[k] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    expect(slope).toBeLessThan(-0.7);
    expect(slope).toBeGreaterThan(-1.3);
  });
  it('class structure: nearest-class-mean accuracy well above chance', () => {
    const big = syntheticDataset({ train: 600, test: 200, seed: 1 });
    const d = 3072,
      means = Array.from({ length: 10 }, () => new Float64Array(d)),
      n = new Array(10).fill(0);
    for (let i = 0; i < big.train.n; i++) {
      const y = big.train.y[i];
      n[y]++;
      for (let k = 0; k < d; k++) means[y][k] += big.train.x[i * d + k];
    }
    let ok = 0;
    for (let i = 0; i < big.test.n; i++) {
      let best = 0,
        bd = Infinity;
      for (let c = 0; c < 10; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) {
          const v = big.test.x[i * d + k] - means[c][k] / n[c];
          s += v * v;
        }
        if (s < bd) {
          bd = s;
          best = c;
        }
      }
      if (best === big.test.y[i]) ok++;
    }
    expect(ok / big.test.n).toBeGreaterThan(0.25);
  }, 60_000);
});

describe('batching', () => {
  const ds = syntheticDataset({ train: 50, test: 10, seed: 2, shape: [1, 28, 28] });
  it('seeded shuffle: a permutation, the same for the same (seed, epoch), different across epochs', () => {
    const o = { batchSize: 16, shuffle: true, seed: 3, epoch: 0 };
    const a = epochOrder(50, o),
      b = epochOrder(50, o),
      c = epochOrder(50, { ...o, epoch: 1 });
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    const bs = [...batches(ds.train, ds.shape, o)];
    expect(bs.map((x) => x.n)).toEqual([16, 16, 16, 2]);
    expect([...bs[0].index]).toEqual([...a.subarray(0, 16)]);
    expect(bs[1].y[0]).toBe(ds.train.y[a[16]]);
    expect([...batches(ds.train, ds.shape, o, 2)].length).toBe(2);
    expect([...batches(ds.train, ds.shape, { ...o, keepLast: false })].length).toBe(3);
  });
  it('inputs in [0, 1] = byte / 255; per-channel normalisation', () => {
    const e = examples(ds.test, ds.shape, 2, 3);
    expect(e.x.shape).toEqual([3, 1, 28, 28]);
    expect([...e.y]).toEqual([...ds.test.y.subarray(2, 5)]);
    expect(e.x.dataSync()[5]).toBeCloseTo(ds.test.x[2 * 784 + 5] / 255, 7);
    e.x.dispose();
    expect(() => examples(ds.test, ds.shape, 5, 6)).toThrow(
      /examples: range 5..11 is outside the split of 10 examples/,
    );
    const b = gather(ds.train, ds.shape, [4]);
    expect(b.x[100]).toBeCloseTo(ds.train.x[4 * 784 + 100] / 255, 7);
    expect(Math.min(...b.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...b.x)).toBeLessThanOrEqual(1);
    const st = channelStats(ds.train, ds.shape);
    const all = gather(ds.train, ds.shape, [...Array(50).keys()], st);
    let m = 0,
      v = 0;
    for (const x of all.x) {
      m += x;
      v += x * x;
    }
    m /= all.x.length;
    v = v / all.x.length - m * m;
    expect(Math.abs(m)).toBeLessThan(1e-5);
    expect(Math.abs(v - 1)).toBeLessThan(1e-4);
  });
});

describe('steganography transform, checked through the FFT', () => {
  const be = new ReferenceBackend('float64');
  const base: Dataset = (() => {
    const s = syntheticDataset({ train: 4, test: 2, seed: 9 });
    return { ...s, train: makeSplit(s.train.x, Uint8Array.from([0, 3, 3, 9]), s.shape) };
  })();
  /** Centred spectrum [C, 32, 32, 2] of (x' - x) for image i, computed with the engine's fft2 in float64. */
  function deltaSpectrum(after: Dataset, i: number): Float64Array {
    const d = new Float64Array(3072);
    for (let k = 0; k < 3072; k++) d[k] = after.train.x[i * 3072 + k] - base.train.x[i * 3072 + k] / 255;
    const F = fftshift(fft2(toComplex(tensor(d, [3, 32, 32], be))), [1, 2]);
    return F.dataSyncF64();
  }
  const opts = { eps: 0.25, rho: 0.2, seed: 4 };
  const P = stegoPattern(10, [3, 32, 32], opts);
  const neg = (j: number): number => (32 - j) % 32; // centred index of -f for n = 32

  it('the pattern: eps * N(0,1) masked by Bernoulli(rho), shared by train and test', () => {
    const nz = P.filter((v) => v !== 0).length / P.length;
    expect(Math.abs(nz - 0.2)).toBeLessThan(0.01);
    const vals = P.filter((v) => v !== 0);
    const sd = Math.sqrt(vals.reduce((a, v) => a + v * v, 0) / vals.length);
    expect(Math.abs(sd - 0.25)).toBeLessThan(0.01);
    expect(same(stegoPattern(10, [3, 32, 32], opts), P)).toBe(true);
  });

  it("'authors': the spectrum gains (P[f] + P[-f]) / 2 (real part of the inverse transform), no clipping", () => {
    const out = steganography(base, { ...opts, variant: 'authors' });
    expect(out.train.x).toBeInstanceOf(Float32Array);
    let maxErr = 0,
      maxVal = 0;
    for (const i of [0, 1, 3]) {
      const y = base.train.y[i],
        S = deltaSpectrum(out, i);
      for (let c = 0; c < 3; c++)
        for (let u = 0; u < 32; u++)
          for (let v = 0; v < 32; v++) {
            const p = (q: number, r: number): number => P[((y * 3 + c) * 32 + q) * 32 + r];
            const want = (p(u, v) + p(neg(u), neg(v))) / 2;
            const k = 2 * ((c * 32 + u) * 32 + v);
            maxErr = Math.max(maxErr, Math.abs(S[k] - want), Math.abs(S[k + 1]));
            maxVal = Math.max(maxVal, Math.abs(want));
          }
    }
    expect(maxVal).toBeGreaterThan(0.3);
    expect(maxErr).toBeLessThan(2e-4);
    // images of the same class get the same change; the authors' code does not clip
    const same = deltaSpectrum(out, 1),
      same2 = deltaSpectrum(out, 2);
    expect(Math.max(...same.map((v, k) => Math.abs(v - same2[k])))).toBeLessThan(2e-4);
    expect(steganography(base, { ...opts, eps: 50, variant: 'authors' }).train.x.some((v) => v < 0 || v > 1)).toBe(
      true,
    );
    expect(
      steganography(base, { ...opts, eps: 50, variant: 'authors', clip: true }).train.x.every((v) => v >= 0 && v <= 1),
    ).toBe(true);
  });

  it("'hermitian': the spectrum gains a real, symmetric H with H[f] = P[f] on one of each pair {f, -f}", () => {
    const out = steganography(base, { ...opts, variant: 'hermitian' });
    let maxErr = 0,
      exactPairs = 0,
      pairs = 0;
    const i = 3,
      y = base.train.y[i],
      S = deltaSpectrum(out, i);
    for (let c = 0; c < 3; c++)
      for (let u = 0; u < 32; u++)
        for (let v = 0; v < 32; v++) {
          const k = 2 * ((c * 32 + u) * 32 + v),
            kn = 2 * ((c * 32 + neg(u)) * 32 + neg(v));
          const p = P[((y * 3 + c) * 32 + u) * 32 + v],
            pn = P[((y * 3 + c) * 32 + neg(u)) * 32 + neg(v)];
          maxErr = Math.max(maxErr, Math.abs(S[k + 1]), Math.abs(S[k] - S[kn]));
          const hit = Math.min(Math.abs(S[k] - p), Math.abs(S[k] - pn));
          maxErr = Math.max(maxErr, hit);
          pairs++;
          if (Math.abs(S[k] - p) < 2e-4) exactPairs++;
        }
    expect(maxErr).toBeLessThan(2e-4);
    // about half of the entries take their own P value (plus the self-paired ones and the zero-zero pairs)
    expect(exactPairs / pairs).toBeGreaterThan(0.5);
    // the full pattern survives: energy of the change = energy of H, about twice that of the authors' version
    const a = deltaSpectrum(steganography(base, { ...opts, variant: 'authors' }), i);
    const e = (s: Float64Array): number => s.reduce((acc, v) => acc + v * v, 0);
    expect(e(S) / e(a)).toBeGreaterThan(1.6);
  });
});
