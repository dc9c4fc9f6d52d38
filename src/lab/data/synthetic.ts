// The built-in synthetic image data set (no download): natural-image-like
// random fields with ~1/f amplitude spectra and class-dependent structure.
//
// Definition (all draws from the Philox generator with the data seed):
//   field(seed, stream, theta) = real(ifft2( fft2(white noise) * A )) with
//     A(f) = (1 + 3 exp(-d(angle(f), theta)^2 / (2 * 0.25^2))) / max(|f|, 1)
//     (|f| in cycles per image, d = angular distance mod pi), or A = 1/max(|f|,1)
//     without an orientation; then scaled to unit standard deviation.
//   Class c has a template T_c (C channels; a grey field shared by the channels
//   plus 0.5 x a per-channel field), oriented at theta_c = pi c / classes.
//   Image i of class c:  x = clip(0.5 + 0.16 (s T_c(. + shift_i) + N_i), 0, 1), quantised
//   to uint8, with s = 0.4 (option signal), shift_i a circular shift uniform in
//   {-3..3}^2 (option shift), and N_i an unoriented 1/f field drawn like the templates.
//   Labels are balanced: y_i = (a seeded permutation of 0..n-1)_i mod classes.
// Variants: 'synthetic' = 3x32x32, 'synthetic-28' = 1x28x28; 10 classes;
// default 10000 train and 2000 test images (options train=, test=, seed=).
import { fft2dInterleaved } from '../../engine/fft/host.ts';
import { normalArray, permutation, uniformArray } from '../../engine/core/random.ts';
import { makeSplit, type Dataset } from './dataset.ts';

/** Options of syntheticDataset(): shape, classes, split sizes, seed, template strength and shift. */
export interface SyntheticOptions {
  shape?: [number, number, number];
  classes?: number;
  train?: number;
  test?: number;
  seed?: number;
  /** Template weight relative to the per-image field (default 0.4). */
  signal?: number;
  /** Largest circular shift of the template, in pixels, per axis (default 3). */
  shift?: number;
}

function field(h: number, w: number, seed: number, stream: number, theta: number | null): Float64Array {
  const z = normalArray(h * w, seed, stream);
  const c = new Float64Array(2 * h * w);
  for (let i = 0; i < h * w; i++) c[2 * i] = z[i];
  fft2dInterleaved(c, 1, h, w, false);
  for (let a = 0; a < h; a++) {
    const fy = a <= h / 2 ? a : a - h;
    for (let b = 0; b < w; b++) {
      const fx = b <= w / 2 ? b : b - w;
      const r = Math.hypot(fx, fy);
      let amp = 1 / Math.max(r, 1);
      if (theta !== null && r > 0) {
        let d = Math.abs(Math.atan2(fy, fx) - theta) % Math.PI;
        d = Math.min(d, Math.PI - d);
        amp *= 1 + 3 * Math.exp(-(d * d) / (2 * 0.25 * 0.25));
      }
      if (a === 0 && b === 0) amp = 0; // zero mean
      c[2 * (a * w + b)] *= amp;
      c[2 * (a * w + b) + 1] *= amp;
    }
  }
  // A(f) = A(-f), so the filtered field stays real
  fft2dInterleaved(c, 1, h, w, true);
  const out = new Float64Array(h * w);
  let s = 0;
  for (let i = 0; i < h * w; i++) {
    out[i] = c[2 * i];
    s += out[i] * out[i];
  }
  const sd = Math.sqrt(s / (h * w)) || 1;
  for (let i = 0; i < h * w; i++) out[i] /= sd;
  return out;
}

/** Generate the synthetic data set. */
export function syntheticDataset(opts: SyntheticOptions = {}, name = 'synthetic'): Dataset {
  const shape = opts.shape ?? [3, 32, 32];
  const [C, H, W] = shape;
  const K = opts.classes ?? 10,
    seed = opts.seed ?? 0,
    signal = opts.signal ?? 0.4,
    maxShift = opts.shift ?? 3;
  const nTrain = opts.train ?? 10000,
    nTest = opts.test ?? 2000;
  const hw = H * W,
    d = C * hw;
  // class templates: streams 1..; per-image fields: streams 1e6 + index
  const templates: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const theta = (Math.PI * k) / K;
    const grey = field(H, W, seed, 1 + k * (C + 1), theta);
    const t = new Float64Array(d);
    for (let c = 0; c < C; c++) {
      const own = C > 1 ? field(H, W, seed, 2 + k * (C + 1) + c, theta) : null;
      for (let i = 0; i < hw; i++) t[c * hw + i] = own ? (grey[i] + 0.5 * own[i]) / Math.sqrt(1.25) : grey[i];
    }
    templates.push(t);
  }
  const make = (n: number, base: number, permStream: number) => {
    const perm = permutation(n, seed, permStream);
    const y = new Uint8Array(n);
    const x = new Uint8Array(n * d);
    for (let i = 0; i < n; i++) {
      const label = perm[i] % K;
      y[i] = label;
      const t = templates[label];
      const s0 = base + i * (C + 2);
      const g = field(H, W, seed, s0, null);
      const u = uniformArray(2, seed, s0 + C + 1);
      const dy = Math.floor(u[0] * (2 * maxShift + 1)) - maxShift,
        dx = Math.floor(u[1] * (2 * maxShift + 1)) - maxShift;
      for (let c = 0; c < C; c++) {
        const own = C > 1 ? field(H, W, seed, s0 + 1 + c, null) : null;
        for (let j = 0; j < hw; j++) {
          const noise = own ? (g[j] + 0.5 * own[j]) / Math.sqrt(1.25) : g[j];
          const r = Math.floor(j / W),
            q = j % W;
          const tj = ((((r + dy) % H) + H) % H) * W + ((((q + dx) % W) + W) % W);
          const v = 0.5 + 0.16 * (signal * t[c * hw + tj] + noise);
          x[i * d + c * hw + j] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
    return makeSplit(x, y, shape);
  };
  return {
    name,
    shape: [C, H, W],
    numClasses: K,
    train: make(nTrain, 1_000_000, 900_001),
    test: make(nTest, 500_000_000, 900_002),
  };
}
