// Fourier sensitivity maps (Yin et al. 2019, "A Fourier Perspective on Model
// Robustness in Computer Vision"): the error rate, and the mean change of the
// logits, of a model when every image is perturbed along one 2-D Fourier basis
// image at a fixed L2 norm, drawn over the centred frequency grid.
//
// Basis image of frequency (ky, kx): U(h, w) = cos(2 pi (ky h / H + kx w / W)),
// scaled to ||U||_2 = 1 (real, so its DFT is non-zero only at (ky, kx) and
// (-ky, -kx): the map is symmetric under k -> -k and each pair is evaluated
// once). As in Yin et al., every channel of every image gets its own random
// sign r in {-1, +1}: x~_c = x_c + r_c * eps * U, so each channel's
// perturbation has norm eps (the whole image's eps * sqrt(C)); then x~ is
// clipped to the data range when `clip` is given.
import type { Classifier } from '../nn/types.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { tidy, noGrad } from '../../engine/tensor.ts';
import { centredFrequency } from './fourier.ts';
import { uniformArray } from '../../engine/core/random.ts';
import { argmaxRows } from '../attacks/common.ts';

/** Options of the Fourier sensitivity map: per-channel L2 norm of the basis perturbation, batch size, sign seed, clipping, progress. */
export interface FourierMapOptions {
  /** L2 norm of the perturbation of each channel. */
  eps: number;
  /** Images per forward pass (default 100). */
  batch?: number;
  /** Seed of the random signs (the same signs at every frequency). */
  seed?: number;
  /** Clip perturbed images to this range (default [0, 1]; null: no clipping). */
  clip?: [number, number] | null;
  onProgress?: (done: number, total: number) => void;
}

/** A Fourier sensitivity map (Yin et al. 2019): error rate and logit change per centred frequency, [H, W] row-major. */
export interface FourierMap {
  H: number;
  W: number;
  eps: number;
  n: number;
  /** Error rate at each centred frequency, row-major [H, W]: row r is ky = r - floor(H/2), column c is kx = c - floor(W/2). */
  errorRate: Float64Array;
  /** Fraction of the correctly classified images that the perturbation makes wrong, same layout. */
  flipRate: Float64Array;
  /** Mean over images of ||logits(x~) - logits(x)||_2, same layout. */
  logitChange: Float64Array;
  /** Error rate on the unperturbed images. */
  cleanError: number;
}

/** The unit-norm basis image of frequency (ky, kx) on an H x W grid. */
export function fourierBasisImage(H: number, W: number, ky: number, kx: number): Float64Array {
  const u = new Float64Array(H * W);
  let s = 0;
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++) {
      const v = Math.cos(2 * Math.PI * (((((ky * h) % H) + H) % H) / H + ((((kx * w) % W) + W) % W) / W));
      u[h * W + w] = v;
      s += v * v;
    }
  const n = Math.sqrt(s);
  for (let i = 0; i < u.length; i++) u[i] /= n;
  return u;
}

async function logitsOf(
  model: Classifier,
  x: Float32Array,
  n: number,
  shape: readonly number[],
  batch: number,
): Promise<Float32Array> {
  const d = shape[0] * shape[1] * shape[2],
    K = model.numClasses,
    out = new Float32Array(n * K);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const t = noGrad(() => tidy(() => model.forward(tensor(x.subarray(s * d, e * d), [e - s, ...shape]))));
    try {
      out.set(await t.data(), s * K);
    } finally {
      t.dispose();
    }
  }
  return out;
}

/**
 * The Fourier sensitivity map of a model on images x [n, C, H, W] (host
 * array, the model's input space) with their labels.
 */
export async function fourierSensitivityMap(
  model: Classifier,
  x: Float32Array,
  labels: ArrayLike<number>,
  opts: FourierMapOptions,
): Promise<FourierMap> {
  const [C, H, W] = model.inputShape,
    hw = H * W,
    d = C * hw,
    n = labels.length,
    K = model.numClasses;
  if (x.length !== n * d)
    throw new Error(`fourierSensitivityMap: ${x.length} values for ${n} images of [${C}, ${H}, ${W}]`);
  const batch = opts.batch ?? 100,
    clip = opts.clip === undefined ? [0, 1] : opts.clip;
  const clean = await logitsOf(model, x, n, model.inputShape, batch);
  const cleanPred = argmaxRows(clean, n, K);
  let cleanWrong = 0;
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    if (cleanPred[i] !== labels[i]) cleanWrong++;
    else correct[i] = 1;
  const signs = Float64Array.from(uniformArray(n * C, opts.seed ?? 0), (u) => (u < 0.5 ? -1 : 1));
  const errorRate = new Float64Array(hw),
    flipRate = new Float64Array(hw),
    logitChange = new Float64Array(hw);
  const done = new Uint8Array(hw);
  const xp = new Float32Array(n * d);
  const cell = (ky: number, kx: number): number =>
    ((((ky + Math.floor(H / 2)) % H) + H) % H) * W + ((((kx + Math.floor(W / 2)) % W) + W) % W);
  // one representative per pair {k, -k}
  const reps: number[] = [];
  for (let idx = 0; idx < hw; idx++) {
    if (done[idx]) continue;
    const { ky, kx } = centredFrequency(H, W, Math.floor(idx / W), idx % W);
    done[idx] = 1;
    done[cell(-ky, -kx)] = 1;
    reps.push(idx);
  }
  for (const [count, idx] of reps.entries()) {
    const { ky, kx } = centredFrequency(H, W, Math.floor(idx / W), idx % W);
    const u = fourierBasisImage(H, W, ky, kx);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < C; ch++) {
        const o = (i * C + ch) * hw,
          a = signs[i * C + ch] * opts.eps;
        for (let j = 0; j < hw; j++) {
          let v = x[o + j] + a * u[j];
          if (clip) v = Math.min(clip[1], Math.max(clip[0], v));
          xp[o + j] = v;
        }
      }
    const l = await logitsOf(model, xp, n, model.inputShape, batch);
    const pred = argmaxRows(l, n, K);
    let wrong = 0,
      flipped = 0,
      change = 0;
    for (let i = 0; i < n; i++) {
      if (pred[i] !== labels[i]) {
        wrong++;
        flipped += correct[i];
      }
      let s = 0;
      for (let k = 0; k < K; k++) s += (l[i * K + k] - clean[i * K + k]) ** 2;
      change += Math.sqrt(s);
    }
    // (ky, kx) and (-ky, -kx) are the same basis image
    for (const j of [idx, cell(-ky, -kx)]) {
      errorRate[j] = wrong / n;
      flipRate[j] = n > cleanWrong ? flipped / (n - cleanWrong) : 0;
      logitChange[j] = change / n;
    }
    opts.onProgress?.(count + 1, reps.length);
  }
  return { H, W, eps: opts.eps, n, errorRate, flipRate, logitChange, cleanError: cleanWrong / n };
}

/** Mean of a centred [H, W] map over rings of integer radius round(sqrt(kx^2 + ky^2)) (index = radius). */
export function radialMean(values: ArrayLike<number>, H: number, W: number): Float64Array {
  const rmax = Math.ceil(Math.hypot(Math.floor(H / 2), Math.floor(W / 2)));
  const sum = new Float64Array(rmax + 1),
    cnt = new Float64Array(rmax + 1);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const { ky, kx } = centredFrequency(H, W, r, c);
      const b = Math.round(Math.hypot(ky, kx));
      sum[b] += values[r * W + c];
      cnt[b]++;
    }
  return sum.map((s, i) => (cnt[i] ? s / cnt[i] : NaN));
}
