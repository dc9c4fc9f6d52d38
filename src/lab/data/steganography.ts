// The steganography transform (paper section 4.2.2): a class-specific pattern
// added to the centred 2-D spectrum of every image of that class.
//
// Pattern (drawn once from `seed`, shared by train and test):
//   P[k, c, u, v] = eps * N[k, c, u, v] * M[k, c, u, v],  N ~ Normal(0, 1), M ~ Bernoulli(rho),
//   for class k, channel c and centred frequency (u, v) (index floor(n/2) = zero frequency).
// Variants, per image x of class y and channel c, F = fftshift(fft2(x_c)):
//   'authors'   x_c' = real(ifft2(ifftshift(F + P[y, c])))       (the authors' code; no clipping).
//               Because P is real and not Hermitian, taking the real part adds
//               (P[f] + P[-f]) / 2 to the spectrum: the pattern is symmetrised and halved.
//   'hermitian' P is first made Hermitian: H[f] = H[-f] = P[f] for one frequency f of each
//               pair {f, -f} (the lexicographically smaller unshifted index; self-paired
//               frequencies keep P[f]). Then x_c' = ifft2(ifftshift(F + H[y, c])) is real
//               and fft2(x_c' - x_c) equals H exactly.
// Optional clipping to [0, 1] (off by default, as in the authors' code).
import { fft2dInterleaved } from '../../engine/fft/host.ts';
import { normalArray, uniformArray } from '../../engine/core/random.ts';
import { makeSplit, type Dataset, type Split } from './dataset.ts';

/** How the class pattern enters the spectrum: 'authors' (the authors' code: real part, no clip) or 'hermitian' (a real image change). */
export type StegoVariant = 'authors' | 'hermitian';

/** Options of steganography(): strength eps, Bernoulli density rho, pattern seed, variant, clipping. */
export interface StegoOptions {
  eps: number;
  rho: number;
  seed: number;
  variant?: StegoVariant;
  clip?: boolean;
}

/** The pattern [classes, C, H, W] in centred (fftshifted) frequency coordinates, as drawn. */
export function stegoPattern(classes: number, shape: readonly number[], o: StegoOptions): Float64Array {
  const n = classes * shape[0] * shape[1] * shape[2];
  const z = normalArray(n, o.seed, 71);
  const u = uniformArray(n, o.seed, 72);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = u[i] < o.rho ? o.eps * z[i] : 0;
  return p;
}

/**
 * The change that the transform makes to the unshifted spectrum fft2(x_c) for a pattern plane
 * (centred coordinates, H x W): returns interleaved complex [H, W, 2].
 */
export function spectrumChange(plane: Float64Array, H: number, W: number, variant: StegoVariant): Float64Array {
  const sh = Math.floor(H / 2),
    sw = Math.floor(W / 2);
  // unshifted U[a, b] = centred P[(a + sh) mod H, (b + sw) mod W]
  const U = new Float64Array(H * W);
  for (let a = 0; a < H; a++) for (let b = 0; b < W; b++) U[a * W + b] = plane[((a + sh) % H) * W + ((b + sw) % W)];
  const out = new Float64Array(2 * H * W);
  for (let a = 0; a < H; a++) {
    for (let b = 0; b < W; b++) {
      const na = (H - a) % H,
        nb = (W - b) % W;
      const i = a * W + b,
        j = na * W + nb;
      out[2 * i] = variant === 'authors' ? (U[i] + U[j]) / 2 : U[Math.min(i, j)];
    }
  }
  return out;
}

function transformSplit(
  s: Split,
  shape: readonly number[],
  classes: number,
  pattern: Float64Array,
  o: StegoOptions,
): Split {
  const [C, H, W] = shape,
    hw = H * W;
  const variant = o.variant ?? 'authors';
  // precompute each class/channel's change to the spectrum, and its inverse transform (a real image)
  const deltas: Float64Array[] = [];
  for (let k = 0; k < classes; k++) {
    for (let c = 0; c < C; c++) {
      const ch = spectrumChange(pattern.subarray((k * C + c) * hw, (k * C + c + 1) * hw), H, W, variant);
      fft2dInterleaved(ch, 1, H, W, true);
      const d = new Float64Array(hw);
      for (let i = 0; i < hw; i++) d[i] = ch[2 * i]; // imaginary part is zero: the change is Hermitian
      deltas.push(d);
    }
  }
  // ifft2 is linear: real(ifft2(F + P)) = x + real(ifft2(P)), computed once per class and channel
  const x = new Float32Array(s.n * C * hw);
  for (let i = 0; i < s.n; i++) {
    const y = s.y[i];
    for (let c = 0; c < C; c++) {
      const d = deltas[y * C + c],
        o0 = (i * C + c) * hw;
      for (let j = 0; j < hw; j++) {
        let v = s.x[o0 + j] * s.scale + d[j];
        if (o.clip) v = Math.min(1, Math.max(0, v));
        x[o0 + j] = v;
      }
    }
  }
  return makeSplit(x, s.y, shape);
}

/** Apply the steganography transform to both splits (the same pattern). */
export function steganography(ds: Dataset, o: StegoOptions): Dataset {
  const pattern = stegoPattern(ds.numClasses, ds.shape, o);
  return {
    ...ds,
    name: `${ds.name}+stego(eps=${o.eps},rho=${o.rho},seed=${o.seed},${o.variant ?? 'authors'}${o.clip ? ',clip' : ''})`,
    train: transformSplit(ds.train, ds.shape, ds.numClasses, pattern, o),
    test: transformSplit(ds.test, ds.shape, ds.numClasses, pattern, o),
  };
}
