// Complex FFTs. Convention everywhere: a complex tensor is real with a trailing
// axis of 2 (real, imaginary), i.e. interleaved. Forward transforms are
// unnormalised, inverses carry 1/n (NumPy's "backward" norm). Because the DFT
// matrix F is symmetric, the gradient of y = F x is F^H g = n * ifft(g), and of
// y = ifft(x) it is fft(g) / n.
import { record, Tensor, wrap } from '../tensor.ts';
import { fmt, ShapeError } from '../core/shape.ts';
import { backendOf } from './util.ts';
import { div, mul, sqrt, add, square, sub, neg } from './elementwise.ts';
import { index, stack, concat, sliceAxis } from './layout.ts';
import { zeros } from './creation.ts';

function checkComplex(op: string, x: Tensor, dims: number): void {
  if (x.rank < dims + 1 || x.shape[x.rank - 1] !== 2)
    throw new ShapeError(op, `expects a complex tensor [..., ${dims === 1 ? 'n' : 'h, w'}, 2], got ${fmt(x.shape)}`);
}

/** 1-D DFT over the axis before the trailing complex axis. */
export function fft(x: Tensor, inverse = false): Tensor {
  const op = inverse ? 'ifft' : 'fft';
  const be = backendOf(op, x);
  checkComplex(op, x, 1);
  const n = x.shape[x.rank - 2];
  const batch = x.size / Math.max(2 * n, 1);
  const y = wrap(be.fft(x.buffer, batch, n, inverse), x.shape, be);
  return record(y, op, [x], (g) => [inverse ? div(fft(g, false), n) : mul(fft(g, true), n)]);
}
/** Inverse 1-D DFT over the axis before the trailing complex axis ([..., n, 2]), with the 1/n factor (NumPy convention). */
export const ifft = (x: Tensor): Tensor => fft(x, true);

/** 2-D DFT over the two axes before the trailing complex axis. */
export function fft2(x: Tensor, inverse = false): Tensor {
  const op = inverse ? 'ifft2' : 'fft2';
  const be = backendOf(op, x);
  checkComplex(op, x, 2);
  const h = x.shape[x.rank - 3],
    w = x.shape[x.rank - 2];
  const batch = x.size / Math.max(2 * h * w, 1);
  const y = wrap(be.fft2(x.buffer, batch, h, w, inverse), x.shape, be);
  return record(y, op, [x], (g) => [inverse ? div(fft2(g, false), h * w) : mul(fft2(g, true), h * w)]);
}
/** Inverse 2-D FFT of a complex tensor [..., h, w, 2], with the 1/(h w) factor. */
export const ifft2 = (x: Tensor): Tensor => fft2(x, true);

/** Real tensor -> complex tensor with zero imaginary part. */
export function toComplex(x: Tensor): Tensor {
  const z = zeros(x.shape, x.backend);
  return stack([x, z], -1);
}
/** A complex tensor [..., 2] from its real and imaginary parts. */
export function complex(re: Tensor, im: Tensor): Tensor {
  return stack([re, im], -1);
}
/** The real part of a complex tensor [..., 2]. */
export const real = (z: Tensor): Tensor => index(z, -1, 0);
/** The imaginary part of a complex tensor [..., 2]. */
export const imag = (z: Tensor): Tensor => index(z, -1, 1);
/** |z| (no epsilon: the gradient is undefined at 0). */
export const cabs = (z: Tensor): Tensor => sqrt(add(square(real(z)), square(imag(z))));
/** Elementwise complex product, with broadcasting over leading axes. */
export function cmul(a: Tensor, b: Tensor): Tensor {
  const ar = real(a),
    ai = imag(a),
    br = real(b),
    bi = imag(b);
  return complex(sub(mul(ar, br), mul(ai, bi)), add(mul(ar, bi), mul(ai, br)));
}
/** The complex conjugate of a complex tensor [..., 2]. */
export function conj(z: Tensor): Tensor {
  return concat([sliceAxis(z, z.rank - 1, 0, 1), neg(sliceAxis(z, z.rank - 1, 1, 1))], -1);
}

/** Move the zero frequency to the centre of the given axes (NumPy fftshift). */
export function fftshift(x: Tensor, axes: readonly number[]): Tensor {
  let y = x;
  for (const a of axes) {
    const ax = a < 0 ? a + x.rank : a;
    const n = x.shape[ax],
      s = Math.floor(n / 2);
    if (s === 0) continue;
    y = concat([sliceAxis(y, ax, n - s, s), sliceAxis(y, ax, 0, n - s)], ax);
  }
  return y;
}
/** The inverse of fftshift on the given axes (moves the centre back to index 0). */
export function ifftshift(x: Tensor, axes: readonly number[]): Tensor {
  let y = x;
  for (const a of axes) {
    const ax = a < 0 ? a + x.rank : a;
    const n = x.shape[ax],
      s = Math.ceil(n / 2);
    if (s === n) continue;
    y = concat([sliceAxis(y, ax, n - s, s), sliceAxis(y, ax, 0, n - s)], ax);
  }
  return y;
}
