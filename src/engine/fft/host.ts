// Float64 complex FFT on the host, for any length: iterative radix-2 for powers
// of two, Bluestein's chirp-z (through a power-of-two FFT) otherwise. It is the
// reference backend's FFT, the source of every backend's twiddle factors, and
// the analyses' FFT. Twiddles come from Math.cos/sin of float64 angles.

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos/sin(2*pi*k/n) for k < n, computed in float64 and cached. */
export function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n),
      sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // reduce the angle by symmetry so large n keeps full precision
      const a = (2 * Math.PI * k) / n;
      cos[k] = Math.cos(a);
      sin[k] = Math.sin(a);
    }
    t = { cos, sin };
    twiddleCache.set(n, t);
  }
  return t;
}

export const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** In-place radix-2 FFT of (re, im) at [off, off+n) with sign -1 (forward) or +1. */
function radix2(re: Float64Array, im: Float64Array, n: number, sign: number): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(n);
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1,
      step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step],
          wi = sign * sin[k * step];
        const a = i + k,
          b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** Bluestein: any n through power-of-two convolutions of length >= 2n-1. */
function bluestein(re: Float64Array, im: Float64Array, n: number, sign: number): void {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  // chirp w_k = exp(sign * i*pi*k^2/n); k^2 mod 2n keeps the angle exact
  const cr = new Float64Array(n),
    ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(a);
    ci[k] = sign * Math.sin(a);
  }
  const ar = new Float64Array(m),
    ai = new Float64Array(m);
  const br = new Float64Array(m),
    bi = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    // a_k = x_k * w_k ; b_k = conj(w_k)
    ar[k] = re[k] * cr[k] - im[k] * ci[k];
    ai[k] = re[k] * ci[k] + im[k] * cr[k];
  }
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  radix2(ar, ai, m, -1);
  radix2(br, bi, m, -1);
  for (let k = 0; k < m; k++) {
    const r = ar[k] * br[k] - ai[k] * bi[k];
    ai[k] = ar[k] * bi[k] + ai[k] * br[k];
    ar[k] = r;
  }
  radix2(ar, ai, m, 1);
  for (let k = 0; k < n; k++) {
    const xr = ar[k] / m,
      xi = ai[k] / m;
    re[k] = xr * cr[k] - xi * ci[k];
    im[k] = xr * ci[k] + xi * cr[k];
  }
}

/**
 * In-place 1-D DFT of one complex vector. Forward: X_k = sum_j x_j e^{-2 pi i jk/n}
 * (unnormalised); inverse: x_j = (1/n) sum_k X_k e^{+2 pi i jk/n}.
 */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  const sign = inverse ? 1 : -1;
  if (isPow2(n)) radix2(re, im, n, sign);
  else bluestein(re, im, n, sign);
  if (inverse)
    for (let k = 0; k < n; k++) {
      re[k] /= n;
      im[k] /= n;
    }
}

/**
 * Batched transform of interleaved complex data x[b, n, 2] along the axis of
 * length n with stride `stride` (in complex elements) inside blocks of `block`.
 * Used for 1-D (stride 1) and for the two passes of 2-D transforms.
 */
export function fftStrided(
  x: Float64Array | Float32Array,
  outer: number,
  n: number,
  stride: number,
  inverse: boolean,
): void {
  const re = new Float64Array(n),
    im = new Float64Array(n);
  const block = n * stride;
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      const base = o * block + s;
      for (let k = 0; k < n; k++) {
        const p = 2 * (base + k * stride);
        re[k] = x[p];
        im[k] = x[p + 1];
      }
      fft1d(re, im, inverse);
      for (let k = 0; k < n; k++) {
        const p = 2 * (base + k * stride);
        x[p] = re[k];
        x[p + 1] = im[k];
      }
    }
  }
}

/** Batched 2-D transform of interleaved complex x[b, h, w, 2], in place. */
export function fft2dInterleaved(
  x: Float64Array | Float32Array,
  batch: number,
  h: number,
  w: number,
  inverse: boolean,
): void {
  fftStrided(x, batch * h, w, 1, inverse); // rows
  fftStrided(x, batch, h, w, inverse); // columns
}
