import { describe, expect, it } from 'vitest';
import {
  angularEnergy,
  averageSpectrum,
  dft2,
  fftshift2,
  fourierNorms,
  radialEnergy,
  spectra,
  toGrey,
} from '../src/lab/analysis/fourier.ts';
import { pearson, rankAverage, spearman } from '../src/lab/analysis/stats.ts';
import { normalArray } from '../src/engine/core/random.ts';

const H = 32,
  W = 32;

/** cos(2 pi (ky h / H + kx w / W)) on an H x W grid. */
function wave(ky: number, kx: number, h = H, w = W, amp = 1): Float64Array {
  const out = new Float64Array(h * w);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) out[r * w + c] = amp * Math.cos(2 * Math.PI * ((ky * r) / h + (kx * c) / w));
  return out;
}

/** Naive float64 DFT (unnormalised) of one plane. */
function naiveDft(x: Float64Array, h: number, w: number): Float64Array {
  const z = new Float64Array(2 * h * w);
  for (let u = 0; u < h; u++)
    for (let v = 0; v < w; v++) {
      let re = 0,
        im = 0;
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          const a = -2 * Math.PI * ((u * r) / h + (v * c) / w);
          re += x[r * w + c] * Math.cos(a);
          im += x[r * w + c] * Math.sin(a);
        }
      z[2 * (u * w + v)] = re;
      z[2 * (u * w + v) + 1] = im;
    }
  return z;
}

describe('2-D DFT and spectra', () => {
  it('matches a naive float64 DFT (28x28, backward norm) and scales by 1/sqrt(HW) when unitary', () => {
    const x = normalArray(28 * 28, 7);
    const ref = naiveDft(x, 28, 28);
    const got = dft2(x, 28, 28, 'backward');
    const uni = dft2(x, 28, 28, 'unitary');
    for (let i = 0; i < ref.length; i++) {
      expect(got[i]).toBeCloseTo(ref[i], 8);
      expect(uni[i]).toBeCloseTo(ref[i] / 28, 8);
    }
  });

  it('unitary DFT satisfies Parseval; ||X||_2 equals the pixel l2 norm, per channel and grey', () => {
    const n = 3,
      data = normalArray(n * 3 * H * W, 11);
    const norms = fourierNorms({ data, shape: [n, 3, H, W] }, { mode: 'channels' });
    const grey = toGrey({ data, shape: [n, 3, H, W] });
    const gnorms = fourierNorms({ data, shape: [n, 3, H, W] });
    for (let i = 0; i < n; i++) {
      let s = 0,
        g = 0;
      for (let j = 0; j < 3 * H * W; j++) s += data[i * 3 * H * W + j] ** 2;
      for (let j = 0; j < H * W; j++) g += grey.data[i * H * W + j] ** 2;
      expect(norms[i].l2).toBeCloseTo(Math.sqrt(s), 9);
      expect(gnorms[i].l2).toBeCloseTo(Math.sqrt(g), 9);
      expect(fourierNorms({ data, shape: [n, 3, H, W] }, { norm: 'backward' })[i].l2).toBeCloseTo(Math.sqrt(g) * 32, 7);
    }
  });

  it('l1 norm of a pure cosine: two coefficients of magnitude A sqrt(HW)/2 (unitary)', () => {
    const x = wave(3, 4, H, W, 2);
    const [nrm] = fourierNorms({ data: x, shape: [1, 1, H, W] });
    expect(nrm.l1).toBeCloseTo((2 * (2 * 32)) / 2, 9);
  });

  it('grey uses 0.2989 R + 0.5870 G + 0.1140 B', () => {
    const d = new Float64Array(3 * 4).fill(0);
    d.fill(1, 0, 4);
    d.fill(2, 4, 8);
    d.fill(3, 8, 12);
    const g = toGrey({ data: d, shape: [1, 3, 2, 2] });
    expect(g.data[0]).toBeCloseTo(0.2989 + 2 * 0.587 + 3 * 0.114, 12);
  });

  it('fftshift puts the zero frequency at (H/2, W/2), odd sizes at floor(n/2)', () => {
    const ones = new Float64Array(H * W).fill(1);
    const s = spectra({ data: ones, shape: [1, 1, H, W] });
    expect(s.data[16 * W + 16]).toBeCloseTo(32, 9);
    let rest = 0;
    for (let i = 0; i < H * W; i++) if (i !== 16 * W + 16) rest += Math.abs(s.data[i]);
    expect(rest).toBeLessThan(1e-9);
    const a = Float64Array.from({ length: 15 }, (_, i) => i); // 3 x 5
    const sh = fftshift2(a, 3, 5);
    expect(sh[1 * 5 + 2]).toBe(0); // (floor(3/2), floor(5/2))
    expect(sh[0]).toBe(a[2 * 5 + 3]);
  });

  it('a single sinusoid puts its energy in one radial bin and two angular bins', () => {
    const x = wave(3, 4);
    const p = spectra({ data: x, shape: [1, 1, H, W] }, { scale: 'power' }).data;
    const rad = radialEnergy(p, H, W);
    const ang = angularEnergy(p, H, W, { bins: 36 });
    const total = x.reduce((s, v) => s + v * v, 0); // Parseval
    expect(rad.energy.length).toBe(17);
    expect(rad.energy[5]).toBeCloseTo(total, 8); // radius sqrt(3^2 + 4^2) = 5
    expect(rad.energy.reduce((s, v) => s + v, 0)).toBeCloseTo(total, 8);
    const nz = [...ang.energy.keys()].filter((b) => ang.energy[b] > 1e-9 * total);
    // the two peaks (ky, kx) = (3, 4) and (-3, -4): 36.87 and 216.87 degrees
    expect(nz).toEqual([4, 22]);
    expect(ang.energy[4]).toBeCloseTo(total / 2, 8);
    expect(ang.energy[22]).toBeCloseTo(total / 2, 8);
  });

  it('averaged spectrum is the mean of per-example magnitudes; log scale is log of each magnitude', () => {
    const a = wave(1, 0),
      b = wave(0, 2, H, W, 3);
    const both = new Float64Array(2 * H * W);
    both.set(a);
    both.set(b, H * W);
    const avg = averageSpectrum({ data: both, shape: [2, 1, H, W] });
    const sa = spectra({ data: a, shape: [1, 1, H, W] }).data,
      sb = spectra({ data: b, shape: [1, 1, H, W] }).data;
    for (let i = 0; i < H * W; i++) expect(avg.data[i]).toBeCloseTo((sa[i] + sb[i]) / 2, 10);
    const lg = spectra({ data: a, shape: [1, 1, H, W] }, { scale: 'log' }).data;
    const peak = 17 * W + 16; // (ky, kx) = (1, 0)
    expect(lg[peak]).toBeCloseTo(Math.log(16), 9);
  });
});

describe('Spearman correlation', () => {
  it('is 1 for a monotone map and -1 for a decreasing one', () => {
    const a = normalArray(200, 3);
    expect(
      spearman(
        a,
        Array.from(a, (v) => Math.exp(3 * v) + 1),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      spearman(
        a,
        Array.from(a, (v) => -(v ** 3)),
      ),
    ).toBeCloseTo(-1, 12);
  });
  it('uses average ranks for ties', () => {
    expect(Array.from(rankAverage([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
    // pearson of ranks (1, 2.5, 2.5, 4) and (1, 2, 3, 4) = 4.5 / sqrt(4.5 * 5)
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
});
