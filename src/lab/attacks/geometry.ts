// Host-side geometry in float64: uniform samples in norm balls (Foolbox 3's
// samplers) and the exact Euclidean projection onto an L1 ball intersected
// with a box.
import { normalArray, uniformArray } from '../../engine/core/random.ts';
import { vecNorm } from './common.ts';

/**
 * n points uniform in the unit L2 ball of R^d (Foolbox `uniform_n_balls`):
 * a point uniform on the unit sphere of R^(d+2), first d coordinates kept.
 * Returns [n * d].
 */
export function uniformL2Ball(n: number, d: number, seed: number, stream: number): Float64Array {
  const m = d + 2;
  const z = normalArray(n * m, seed, stream);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = vecNorm(z, 'l2', i * m, m) || 1;
    for (let j = 0; j < d; j++) out[i * d + j] = z[i * m + j] / r;
  }
  return out;
}

/**
 * n points uniform in the unit L1 ball of R^d (Foolbox `uniform_l1_n_balls`):
 * the spacings v_1, v_2 - v_1, ..., v_d - v_(d-1) of d sorted uniforms
 * (uniform in the simplex {x >= 0, sum x <= 1}), each with a random sign.
 * Returns [n * d].
 */
export function uniformL1Ball(n: number, d: number, seed: number, stream: number): Float64Array {
  const u = uniformArray(n * d, seed, stream);
  const sgn = uniformArray(n * d, seed, stream + 1);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const v = u.slice(i * d, (i + 1) * d).sort();
    let prev = 0;
    for (let j = 0; j < d; j++) {
      out[i * d + j] = (v[j] - prev) * (sgn[i * d + j] < 0.5 ? -1 : 1);
      prev = v[j];
    }
  }
  return out;
}

/** n x d uniforms in [-1, 1) (the Linf ball). */
export function uniformLinfBall(n: number, d: number, seed: number, stream: number): Float64Array {
  const u = uniformArray(n * d, seed, stream);
  for (let j = 0; j < u.length; j++) u[j] = 2 * u[j] - 1;
  return u;
}

/**
 * Exact Euclidean projection of v (length d, at offset off) onto
 * { delta : ||delta||_1 <= eps, lo_j <= delta_j <= hi_j } with lo_j <= 0 <= hi_j,
 * written into out. KKT: delta_j = sign(v_j) * clip(|v_j| - lambda, 0, cap_j)
 * with cap_j the box limit on v_j's side; lambda >= 0 found by bisection so
 * that ||delta||_1 = eps when the box-clipped v lies outside the ball
 * (||delta(lambda)||_1 is continuous and non-increasing in lambda).
 */
export function projectL1Box(
  v: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  eps: number,
  out: Float64Array | Float32Array,
  off = 0,
  d = v.length - off,
): void {
  const mag = new Float64Array(d),
    cap = new Float64Array(d),
    sg = new Float64Array(d);
  let s0 = 0,
    vmax = 0;
  for (let j = 0; j < d; j++) {
    const x = v[off + j];
    sg[j] = x < 0 ? -1 : 1;
    mag[j] = Math.abs(x);
    cap[j] = Math.max(0, x < 0 ? -lo[off + j] : hi[off + j]);
    s0 += Math.min(mag[j], cap[j]);
    if (mag[j] > vmax) vmax = mag[j];
  }
  let lam = 0;
  if (s0 > eps) {
    const f = (l: number): number => {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const m = mag[j] - l;
        if (m > 0) s += Math.min(m, cap[j]);
      }
      return s;
    };
    let a = 0,
      b = vmax;
    for (let it = 0; it < 100 && b - a > 1e-15 * Math.max(1, vmax); it++) {
      const m = 0.5 * (a + b);
      if (f(m) > eps) a = m;
      else b = m;
    }
    lam = b; // f(b) <= eps: the result is inside the ball
  }
  for (let j = 0; j < d; j++) out[off + j] = sg[j] * Math.min(Math.max(mag[j] - lam, 0), cap[j]);
}
