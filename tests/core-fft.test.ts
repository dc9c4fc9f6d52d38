// FFT against a direct float64 DFT; circular convolution through the FFT
// against a direct circular convolution.
import { describe, expect, test } from 'vitest';
import * as T from '../src/index.ts';
import { normalArray } from '../src/engine/core/random.ts';

function dft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length,
    s = inverse ? 1 : -1;
  const or = new Float64Array(n),
    oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let ar = 0,
      ai = 0;
    for (let j = 0; j < n; j++) {
      const a = (s * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(a),
        si = Math.sin(a);
      ar += re[j] * c - im[j] * si;
      ai += re[j] * si + im[j] * c;
    }
    or[k] = inverse ? ar / n : ar;
    oi[k] = inverse ? ai / n : ai;
  }
  return [or, oi];
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const be64 = T.float64Backend();
const sizes = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 28, 3, 7, 31, 33];

describe('1-D FFT vs direct float64 DFT', () => {
  for (const n of sizes) {
    for (const inverse of [false, true]) {
      test(`${inverse ? 'inverse' : 'forward'} n=${n}`, () => {
        const z = normalArray(2 * n, n);
        const re = new Float64Array(n),
          im = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          re[k] = z[2 * k];
          im[k] = z[2 * k + 1];
        }
        const [er, ei] = dft(re, im, inverse);
        const want = new Float64Array(2 * n);
        for (let k = 0; k < n; k++) {
          want[2 * k] = er[k];
          want[2 * k + 1] = ei[k];
        }
        // float64 storage: the engine's transform itself
        const got64 = T.fft(T.tensor(z, [1, n, 2], be64), inverse).dataSyncF64();
        expect(relErr(got64, want)).toBeLessThan(1e-12);
        // float32 storage (the default): limited by float32 rounding of inputs and outputs
        const got32 = T.fft(T.tensor(z, [1, n, 2]), inverse).dataSyncF64();
        expect(relErr(got32, want)).toBeLessThan(1e-6);
      });
    }
  }
});

describe('2-D FFT', () => {
  for (const [h, w] of [
    [32, 32],
    [28, 28],
    [4, 8],
    [5, 3],
  ]) {
    test(`${h}x${w} matches row-then-column DFTs and inverts`, () => {
      const z = normalArray(2 * h * w * 2, h * 100 + w);
      const x = T.tensor(z, [2, h, w, 2], be64);
      const y = T.fft2(x).dataSyncF64();
      // direct 2-D DFT of the first batch entry, one output bin per row of the check
      for (const [k1, k2] of [
        [0, 0],
        [1, 2],
        [h - 1, w - 1],
        [Math.floor(h / 2), 1],
      ]) {
        let ar = 0,
          ai = 0;
        for (let a = 0; a < h; a++)
          for (let b = 0; b < w; b++) {
            const ang = -2 * Math.PI * (((a * k1) % h) / h + ((b * k2) % w) / w);
            const re = z[2 * (a * w + b)],
              im = z[2 * (a * w + b) + 1];
            ar += re * Math.cos(ang) - im * Math.sin(ang);
            ai += re * Math.sin(ang) + im * Math.cos(ang);
          }
        const p = 2 * (k1 * w + k2);
        expect(Math.abs(y[p] - ar) + Math.abs(y[p + 1] - ai)).toBeLessThan(1e-10 * h * w);
      }
      const back = T.ifft2(T.fft2(x)).dataSyncF64();
      expect(relErr(back, z)).toBeLessThan(1e-13);
    });
  }
});

describe('full-width circular convolution', () => {
  test('through the FFT equals the direct circular cross-correlation (also 28x28)', () => {
    for (const [N, C, O, H, W] of [
      [2, 3, 2, 8, 8],
      [1, 2, 3, 28, 28],
      [1, 1, 1, 5, 7],
    ]) {
      const xd = normalArray(N * C * H * W, 1),
        wd = normalArray(O * C * H * W, 2);
      const y = T.circConv2d(T.tensor(xd, [N, C, H, W], be64), T.tensor(wd, [O, C, H, W], be64)).dataSyncF64();
      let worst = 0;
      for (let n = 0; n < N; n++)
        for (let o = 0; o < O; o++)
          for (const [i, j] of [
            [0, 0],
            [1, 3],
            [H - 1, W - 2],
          ]) {
            let acc = 0;
            for (let c = 0; c < C; c++)
              for (let u = 0; u < H; u++)
                for (let v = 0; v < W; v++) {
                  acc += wd[((o * C + c) * H + u) * W + v] * xd[((n * C + c) * H + ((i + u) % H)) * W + ((j + v) % W)];
                }
            worst = Math.max(worst, Math.abs(acc - y[((n * O + o) * H + i) * W + j]));
          }
      expect(worst).toBeLessThan(1e-10);
    }
  });

  test('composes with fft2 ops: ifft2(fft2(x) * conj(fft2(w))) gives the same output', () => {
    const x = T.randNormal([1, 1, 6, 6], 3, 0, 1, 0, be64),
      w = T.randNormal([1, 1, 6, 6], 4, 0, 1, 0, be64);
    const direct = T.circConv2d(x, w).dataSyncF64();
    const viaOps = T.real(T.ifft2(T.cmul(T.fft2(T.toComplex(x)), T.conj(T.fft2(T.toComplex(w)))))).dataSyncF64();
    expect(relErr(viaOps, direct)).toBeLessThan(1e-12);
  });
});
