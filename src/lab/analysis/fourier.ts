// Fourier analyses of perturbations (delta) and saliency maps (beta), computed
// on the host in float64 with src/fft/host.ts. Every image set is a flat
// array in NCHW order with its shape [N, C, H, W].
//
// Definitions (also in docs/experiments.md, 'Definitions'):
//   grey(x)          = 0.2989 R + 0.5870 G + 0.1140 B            (C must be 3; C = 1 is used as is)
//   DFT              X[u,v] = s * sum_{h,w} x[h,w] exp(-2 pi i (u h / H + v w / W))
//                    with s = 1/sqrt(H W) ('unitary', the default: Parseval holds,
//                    ||X||_2 = ||x||_2) or s = 1 ('backward', NumPy's fft2 default,
//                    the scale of the paper's code).
//   centred          fftshift: index (u, v) moves to ((u + floor(H/2)) mod H, ...),
//                    so the zero frequency sits at (floor(H/2), floor(W/2)).
//   spectrum         |X| ('magnitude'), log(|X| + eps) ('log', eps = 1e-12 by default),
//                    or |X|^2 ('power'), averaged over examples AFTER the transform.
import { fft2dInterleaved } from '../../engine/fft/host.ts';

/** Grey-level weights of R, G, B (ITU-R BT.601 luma, as MATLAB's rgb2gray). */
export const GREY_WEIGHTS = [0.2989, 0.587, 0.114] as const;
/** Scale of the DFT: 'unitary' (1/sqrt(HW): Parseval holds) or 'backward' (NumPy's fft2: unnormalised). */
export type DftNorm = 'unitary' | 'backward';
/** What a spectrum holds: |X|, log |X| or |X|^2. */
export type SpectrumScale = 'magnitude' | 'log' | 'power';

/** Images [N, C, H, W] as a flat array plus shape (perturbations, saliency maps, inputs). */
export interface ImageSet {
  data: ArrayLike<number>;
  /** [N, C, H, W] */
  shape: readonly number[];
}

function dims(op: string, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${op}: expects images [N, C, H, W], got [${shape.join(', ')}]`);
  return shape as unknown as [number, number, number, number];
}

/** Grey images [N, 1, H, W] = 0.2989 R + 0.5870 G + 0.1140 B (C = 1 passes through). */
export function toGrey(x: ImageSet): ImageSet {
  const [n, c, h, w] = dims('toGrey', x.shape);
  if (c !== 3 && c !== 1) throw new Error(`toGrey: needs 1 or 3 channels, got shape [${x.shape.join(', ')}]`);
  if (x.data.length !== n * c * h * w)
    throw new Error(`toGrey: ${x.data.length} values do not match shape [${x.shape.join(', ')}]`);
  const hw = h * w;
  const out = new Float64Array(n * hw);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < hw; p++) {
      if (c === 1) out[i * hw + p] = x.data[i * hw + p];
      else {
        const b = i * 3 * hw + p;
        out[i * hw + p] =
          GREY_WEIGHTS[0] * x.data[b] + GREY_WEIGHTS[1] * x.data[b + hw] + GREY_WEIGHTS[2] * x.data[b + 2 * hw];
      }
    }
  }
  return { data: out, shape: [n, 1, h, w] };
}

/**
 * 2-D DFT of every [H, W] plane of a [..., H, W] real array. Returns interleaved
 * complex values [..., H, W, 2] (not shifted).
 */
export function dft2(planes: ArrayLike<number>, h: number, w: number, norm: DftNorm = 'unitary'): Float64Array {
  const hw = h * w;
  if (planes.length % hw !== 0)
    throw new Error(`dft2: ${planes.length} values are not a whole number of ${h}x${w} planes`);
  const batch = planes.length / hw;
  const z = new Float64Array(2 * planes.length);
  for (let i = 0; i < planes.length; i++) z[2 * i] = planes[i];
  fft2dInterleaved(z, batch, h, w, false);
  if (norm === 'unitary') {
    const s = 1 / Math.sqrt(hw);
    for (let i = 0; i < z.length; i++) z[i] *= s;
  }
  return z;
}

/** fftshift of every [H, W] plane of a real array [..., H, W]. */
export function fftshift2(planes: ArrayLike<number>, h: number, w: number): Float64Array {
  const hw = h * w;
  const out = new Float64Array(planes.length);
  const sh = Math.floor(h / 2),
    sw = Math.floor(w / 2);
  for (let b = 0; b < planes.length / hw; b++) {
    for (let u = 0; u < h; u++) {
      const uu = (u + sh) % h;
      for (let v = 0; v < w; v++) out[b * hw + uu * w + ((v + sw) % w)] = planes[b * hw + u * w + v];
    }
  }
  return out;
}

/** |X| per complex entry of interleaved data. */
export function complexAbs(z: ArrayLike<number>): Float64Array {
  const out = new Float64Array(z.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(z[2 * i], z[2 * i + 1]);
  return out;
}

/** Options of spectra() and averageSpectrum(). */
export interface SpectrumOptions {
  /** 'grey' (default): one spectrum of the grey image; 'channels': one per channel. */
  mode?: 'grey' | 'channels';
  scale?: SpectrumScale;
  norm?: DftNorm;
  /** Added inside log (default 1e-12). */
  logEps?: number;
}

/**
 * Centred |DFT| of every example, [N, P, H, W] with P = 1 (grey) or C (channels),
 * on the chosen scale (not averaged).
 */
export function spectra(
  x: ImageSet,
  opts: SpectrumOptions = {},
): { data: Float64Array; shape: [number, number, number, number] } {
  const [n, c, h, w] = dims('spectra', x.shape);
  const src = (opts.mode ?? 'grey') === 'grey' ? toGrey(x) : x;
  const p = src.shape[1];
  const mag = complexAbs(dft2(src.data, h, w, opts.norm ?? 'unitary'));
  const shifted = fftshift2(mag, h, w);
  const scale = opts.scale ?? 'magnitude';
  const eps = opts.logEps ?? 1e-12;
  if (scale === 'log') for (let i = 0; i < shifted.length; i++) shifted[i] = Math.log(shifted[i] + eps);
  else if (scale === 'power') for (let i = 0; i < shifted.length; i++) shifted[i] *= shifted[i];
  void c;
  return { data: shifted, shape: [n, p, h, w] };
}

/** Average centred spectrum over examples: [P, H, W] flattened, P = 1 (grey) or C. */
export function averageSpectrum(
  x: ImageSet,
  opts: SpectrumOptions = {},
): { data: Float64Array; shape: [number, number, number] } {
  const s = spectra(x, opts);
  const [n, p, h, w] = s.shape;
  const per = p * h * w;
  const out = new Float64Array(per);
  for (let i = 0; i < n; i++) for (let j = 0; j < per; j++) out[j] += s.data[i * per + j];
  if (n > 0) for (let j = 0; j < per; j++) out[j] /= n;
  return { data: out, shape: [p, h, w] };
}

/**
 * Frequency coordinates of the centred grid: row r of an H x W centred spectrum
 * has ky = r - floor(H/2), column c has kx = c - floor(W/2) (cycles per image).
 */
export function centredFrequency(h: number, w: number, r: number, c: number): { kx: number; ky: number } {
  return { ky: r - Math.floor(h / 2), kx: c - Math.floor(w / 2) };
}

/** Binning of radialEnergy(). */
export interface RadialOptions {
  /** Number of radial bins (default floor(min(H, W)/2) + 1: one per integer radius up to Nyquist). */
  bins?: number;
  /** Largest radius kept (default min(H, W)/2, Nyquist); energy beyond it (the corners) goes to the last bin when `clampCorners`, else is dropped. */
  maxRadius?: number;
  clampCorners?: boolean;
}

/**
 * Radial energy E(k_r) of a centred power spectrum [H, W] (|X|^2).
 * k_r = sqrt(kx^2 + ky^2) in cycles per image. Bin b holds the energy of
 * frequencies with round(k_r / maxRadius * (bins - 1)) = b, i.e. with the
 * defaults one bin per integer radius 0, 1, ..., 16 for 32x32 (bin centres at
 * integer radii). Frequencies with k_r > maxRadius (the corners) are dropped
 * unless clampCorners (then they go to the last bin). Returns energies (sum,
 * not mean, of |X|^2 in each bin) and the bin centres.
 */
export function radialEnergy(
  power: ArrayLike<number>,
  h: number,
  w: number,
  opts: RadialOptions = {},
): { energy: Float64Array; centres: Float64Array } {
  if (power.length !== h * w) throw new Error(`radialEnergy: ${power.length} values for a ${h}x${w} spectrum`);
  const maxR = opts.maxRadius ?? Math.min(h, w) / 2;
  const bins = opts.bins ?? Math.floor(Math.min(h, w) / 2) + 1;
  const energy = new Float64Array(bins);
  const centres = new Float64Array(bins);
  for (let b = 0; b < bins; b++) centres[b] = bins === 1 ? 0 : (b * maxR) / (bins - 1);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const { kx, ky } = centredFrequency(h, w, r, c);
      const kr = Math.hypot(kx, ky);
      let b = bins === 1 ? 0 : Math.round((kr / maxR) * (bins - 1));
      if (b >= bins) {
        if (!opts.clampCorners) continue;
        b = bins - 1;
      }
      energy[b] += power[r * w + c];
    }
  }
  return { energy, centres };
}

/**
 * Radial bins that cover the whole centred grid, corners included: unit-width
 * bins centred on k_r = 0, 1, ..., R with R = ceil(sqrt((H/2)^2 + (W/2)^2))
 * (R = 23 for 32x32). Bins beyond min(H, W)/2 hold partial rings (the corners).
 */
export function fullRadial(h: number, w: number): RadialOptions {
  const r = Math.ceil(Math.hypot(Math.floor(h / 2), Math.floor(w / 2)));
  return { bins: r + 1, maxRadius: r };
}

/** Binning of angularEnergy(). */
export interface AngularOptions {
  /** Number of angular bins over [0, 360) degrees (default 36: 10 degrees each). */
  bins?: number;
  /** Include the zero frequency (which has no angle)? Default false: it is left out. */
  includeDC?: boolean;
}

/**
 * Angular energy E(k_phi) of a centred power spectrum [H, W].
 * k_phi = atan2(ky, kx) in degrees, mapped to [0, 360); bin b covers
 * [b*360/bins - 180/bins, b*360/bins + 180/bins) (centred on b*360/bins, with
 * wrap-around), so the axes 0, 90, 180, 270 degrees fall in bin centres when
 * bins is a multiple of 4. ky counts rows downwards from the centre (image
 * convention). The zero frequency has no angle and is left out. Energies are
 * sums of |X|^2 per bin.
 */
export function angularEnergy(
  power: ArrayLike<number>,
  h: number,
  w: number,
  opts: AngularOptions = {},
): { energy: Float64Array; centresDeg: Float64Array } {
  if (power.length !== h * w) throw new Error(`angularEnergy: ${power.length} values for a ${h}x${w} spectrum`);
  const bins = opts.bins ?? 36;
  const width = 360 / bins;
  const energy = new Float64Array(bins);
  const centresDeg = Float64Array.from({ length: bins }, (_, b) => b * width);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const { kx, ky } = centredFrequency(h, w, r, c);
      if (kx === 0 && ky === 0) {
        if (opts.includeDC) energy[0] += power[r * w + c];
        continue;
      }
      let deg = (Math.atan2(ky, kx) * 180) / Math.PI;
      if (deg < 0) deg += 360;
      const b = Math.floor((deg + width / 2) / width) % bins;
      energy[b] += power[r * w + c];
    }
  }
  return { energy, centresDeg };
}

/** Normalise a histogram to sum 1 (all zeros stays zeros). */
export function normalise(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return Float64Array.from(v, (x) => (s > 0 ? x / s : 0));
}

/** l1 and l2 norms of one example's 2-D DFT. */
export interface FourierNorms {
  l1: number;
  l2: number;
}

/**
 * l1 and l2 norms of the 2-D DFT of one example: ||X||_1 = sum |X[u,v]|,
 * ||X||_2 = sqrt(sum |X[u,v]|^2), summed over all P planes (P = 1 grey by
 * default, or every channel with mode 'channels'). With norm 'unitary' (default)
 * ||X||_2 equals the pixel-space l2 norm (Parseval); 'backward' (NumPy fft2)
 * is sqrt(H W) times larger.
 */
export function fourierNorms(x: ImageSet, opts: { mode?: 'grey' | 'channels'; norm?: DftNorm } = {}): FourierNorms[] {
  const s = spectra(x, { mode: opts.mode ?? 'grey', norm: opts.norm ?? 'unitary', scale: 'magnitude' });
  const [n, p, h, w] = s.shape;
  const per = p * h * w;
  const out: FourierNorms[] = [];
  for (let i = 0; i < n; i++) {
    let l1 = 0,
      l2 = 0;
    for (let j = 0; j < per; j++) {
      const a = s.data[i * per + j];
      l1 += a;
      l2 += a * a;
    }
    out.push({ l1, l2: Math.sqrt(l2) });
  }
  return out;
}
