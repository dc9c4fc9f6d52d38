// The per-example trust-region subproblems of the Brendel-Bethge attack, in
// float64 on the host. With dx = x0 - x, box [L, U] = [lo - x, hi - x] for
// the step delta, boundary normal b and the wanted change c of the logit
// difference (b . delta = c):
//   L2:   min ||delta - dx||_2    s.t. b.delta = c, L <= delta <= U, ||delta||_2 <= r
//   Linf: min ||delta - dx||_inf  s.t. b.delta = c, L <= delta <= U, ||delta||_inf <= r
// When the linearised boundary cannot be reached inside the trust region and
// the box, the step goes as far towards it as they allow.
import { vecNorm } from './common.ts';

/** b . clip(a + t b, L, U): non-decreasing in t. */
function hyperDot(a: Float64Array, b: Float64Array, L: Float64Array, U: Float64Array, t: number): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    let v = a[j] + t * b[j];
    if (v < L[j]) v = L[j];
    else if (v > U[j]) v = U[j];
    s += b[j] * v;
  }
  return s;
}

/**
 * t with b . clip(a + t b, L, U) = c (assumes c is reachable inside the box):
 * bracketing, then the Illinois variant of regula falsi on the monotone,
 * piecewise-linear function (exact on a linear piece), with bisection as a fallback.
 */
function solveT(a: Float64Array, b: Float64Array, L: Float64Array, U: Float64Array, c: number, guess = 0): number {
  // bracket around the guess (warm start), widening geometrically
  let w = Math.max(1e-3, 0.25 * Math.abs(guess));
  let lo = guess - w,
    hi = guess + w;
  let flo = hyperDot(a, b, L, U, lo) - c,
    fhi = hyperDot(a, b, L, U, hi) - c;
  while (flo > 0 && lo > -1e30) {
    hi = lo;
    fhi = flo;
    w *= 4;
    lo = hi - w;
    flo = hyperDot(a, b, L, U, lo) - c;
  }
  while (fhi < 0 && hi < 1e30) {
    lo = hi;
    flo = fhi;
    w *= 4;
    hi = lo + w;
    fhi = hyperDot(a, b, L, U, hi) - c;
  }
  if (flo === 0) return lo;
  if (fhi === 0) return hi;
  const tol = 1e-13 * (Math.abs(c) + 1e-300);
  let side = 0;
  for (let it = 0; it < 200; it++) {
    let m = fhi !== flo ? hi - (fhi * (hi - lo)) / (fhi - flo) : 0.5 * (lo + hi);
    if (!(m > lo && m < hi) || it % 8 === 7) m = 0.5 * (lo + hi); // keep progress guaranteed
    if (m === lo || m === hi) break;
    const fm = hyperDot(a, b, L, U, m) - c;
    if (Math.abs(fm) <= tol) return m;
    if (fm < 0) {
      lo = m;
      flo = fm;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = m;
      fhi = fm;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  return 0.5 * (lo + hi);
}

function clipInto(
  a: Float64Array,
  b: Float64Array,
  t: number,
  L: Float64Array,
  U: Float64Array,
  out: Float64Array,
): void {
  for (let j = 0; j < a.length; j++) {
    let v = a[j] + t * b[j];
    if (v < L[j]) v = L[j];
    else if (v > U[j]) v = U[j];
    out[j] = v;
  }
}

/** Largest value of sign(c) * b.delta over the box (the reachable change of the logit difference). */
function reachable(b: Float64Array, L: Float64Array, U: Float64Array, c: number): number {
  let s = 0;
  for (let j = 0; j < b.length; j++)
    s += c >= 0 ? Math.max(b[j] * L[j], b[j] * U[j]) : Math.min(b[j] * L[j], b[j] * U[j]);
  return s;
}

/** Step of L2 length <= r along clip(sign(c) tau b) maximising progress towards b.delta = c. */
function towardsL2(b: Float64Array, L: Float64Array, U: Float64Array, c: number, r: number, out: Float64Array): void {
  const z = new Float64Array(b.length);
  const dir = new Float64Array(b.length);
  const s = c >= 0 ? 1 : -1;
  for (let j = 0; j < b.length; j++) dir[j] = s * b[j];
  // ||clip(tau dir)|| is non-decreasing in tau: find the largest tau with norm <= r
  let lo = 0,
    hi = 1;
  const nrm = (t: number): number => {
    clipInto(z, dir, t, L, U, out);
    return vecNorm(out, 'l2');
  };
  while (nrm(hi) < r && hi < 1e30) {
    lo = hi;
    hi *= 2;
  }
  if (hi >= 1e30) {
    clipInto(z, dir, hi, L, U, out);
    return;
  }
  for (let it = 0; it < 100; it++) {
    const m = 0.5 * (lo + hi);
    if (m === lo || m === hi) break;
    if (nrm(m) <= r) lo = m;
    else hi = m;
  }
  clipInto(z, dir, lo, L, U, out);
}

/** L2 subproblem; writes the step into out. */
export function solveL2(
  dx: Float64Array,
  b: Float64Array,
  L: Float64Array,
  U: Float64Array,
  c: number,
  r: number,
  out: Float64Array,
): void {
  const D = dx.length;
  if (Math.abs(reachable(b, L, U, c)) < Math.abs(c)) {
    towardsL2(b, L, U, c, r, out);
    return;
  }
  // delta(alpha) = clip(alpha dx + t b, L, U), alpha = 1 / (1 + mu) in [0, 1], t such that b.delta = c
  const a = new Float64Array(D);
  let tPrev = 0,
    last = -1;
  const at = (alpha: number): number => {
    last = alpha;
    for (let j = 0; j < D; j++) a[j] = alpha * dx[j];
    tPrev = solveT(a, b, L, U, c, tPrev);
    clipInto(a, b, tPrev, L, U, out);
    return vecNorm(out, 'l2') - r;
  };
  const g1 = at(1);
  if (g1 <= 0) return;
  // alpha -> 0 (mu -> infinity): the smallest step reaching the plane; if even that is too long, go towards it
  const g0 = at(0);
  if (g0 > 0) {
    towardsL2(b, L, U, c, r, out);
    return;
  }
  // ||delta(alpha)|| is non-decreasing in alpha: Illinois regula falsi on [0, 1], keeping the feasible end
  let lo = 0,
    hi = 1,
    glo = g0,
    ghi = g1,
    side = 0;
  for (let it = 0; it < 100; it++) {
    let m = ghi !== glo ? hi - (ghi * (hi - lo)) / (ghi - glo) : 0.5 * (lo + hi);
    if (!(m > lo && m < hi) || it % 8 === 7) m = 0.5 * (lo + hi);
    const gm = at(m);
    if (gm <= 0) {
      lo = m;
      glo = gm;
      if (side === -1) ghi /= 2;
      side = -1;
      if (gm > -1e-9 * r) break;
    } else {
      hi = m;
      ghi = gm;
      if (side === 1) glo /= 2;
      side = 1;
    }
    if (hi - lo <= 1e-12) break;
  }
  if (last !== lo) at(lo);
}

/** Linf subproblem (trust region ||delta||_inf <= r); writes the step into out. */
export function solveLinf(
  dx: Float64Array,
  b: Float64Array,
  L0: Float64Array,
  U0: Float64Array,
  c: number,
  r: number,
  out: Float64Array,
): void {
  const D = dx.length;
  const L = new Float64Array(D),
    U = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    L[j] = Math.max(L0[j], -r);
    U[j] = Math.min(U0[j], r);
  }
  const s = c >= 0 ? 1 : -1;
  if (Math.abs(reachable(b, L, U, c)) < Math.abs(c)) {
    // unreachable: the corner of the region furthest towards the plane
    for (let j = 0; j < D; j++)
      out[j] = s * b[j] > 0 ? U[j] : s * b[j] < 0 ? L[j] : Math.min(U[j], Math.max(L[j], dx[j]));
    return;
  }
  // box_eps = [max(L, dx - eps), min(U, dx + eps)]; feasible iff c lies in [min, max] of b.delta over it
  let epsMin = 0,
    epsMax = 0;
  for (let j = 0; j < D; j++) {
    epsMin = Math.max(epsMin, L[j] - dx[j], dx[j] - U[j]);
    epsMax = Math.max(epsMax, Math.abs(dx[j] - L[j]), Math.abs(U[j] - dx[j]));
  }
  const lo = new Float64Array(D),
    hi = new Float64Array(D);
  const boxAt = (eps: number): void => {
    for (let j = 0; j < D; j++) {
      lo[j] = Math.max(L[j], dx[j] - eps);
      hi[j] = Math.min(U[j], dx[j] + eps);
      if (lo[j] > hi[j]) lo[j] = hi[j] = dx[j] < L[j] ? L[j] : U[j];
    }
  };
  const feasible = (eps: number): boolean => {
    boxAt(eps);
    let mn = 0,
      mx = 0;
    for (let j = 0; j < D; j++) {
      mn += Math.min(b[j] * lo[j], b[j] * hi[j]);
      mx += Math.max(b[j] * lo[j], b[j] * hi[j]);
    }
    return mn <= c && c <= mx;
  };
  let a = epsMin,
    z = Math.max(epsMax, epsMin);
  if (!feasible(a)) {
    for (let it = 0; it < 100; it++) {
      const m = 0.5 * (a + z);
      if (m === a || m === z || z - a <= 1e-10 * z) break;
      if (feasible(m)) z = m;
      else a = m;
    }
  } else z = a;
  boxAt(z);
  // inside box_eps: start at the point closest to dx, move linearly towards the extreme corner
  let h0 = 0,
    h1 = 0;
  const ext = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    out[j] = Math.min(hi[j], Math.max(lo[j], dx[j]));
    h0 += b[j] * out[j];
  }
  const up = c > h0;
  for (let j = 0; j < D; j++) {
    ext[j] = b[j] === 0 ? out[j] : b[j] > 0 === up ? hi[j] : lo[j];
    h1 += b[j] * ext[j];
  }
  const theta = h1 !== h0 ? Math.min(1, Math.max(0, (c - h0) / (h1 - h0))) : 0;
  for (let j = 0; j < D; j++) out[j] += theta * (ext[j] - out[j]);
}
