// The limits that implicit-bias theory predicts for gradient descent on
// separable data (Gunasekar et al. 2018), solved by the lab itself:
//   - l2 max margin        min ||beta||_2          s.t. y_n <x_n, beta> >= 1   (linear FC nets)
//   - Fourier-l1 max margin min ||DFT(beta)||_1    s.t. the same              (2-layer full-width circular conv)
//   - l1 max margin        min ||beta||_1                                     (2-layer diagonal nets)
//   - for L > 2 layers, stationary points of min sum_g ||A_g beta||^(2/L), reached from the
//     l1 solution by iterative reweighting (the problem is not convex).
// Every solver returns a dual certificate: `gap` = primal value of a feasible point minus the
// value of a feasible dual point, an upper bound on the suboptimality.
import { cosine, dot, gramT, invertDense, matTVec, matVec, norm2, solveDense } from './linalg.ts';

/** A separable classification problem: rows z_n = y_n x_n of an [N, D] matrix. */
export interface MarginProblem {
  /** [N, D] row-major, z_n = y_n * x_n. */
  Z: Float64Array;
  N: number;
  D: number;
}

/** The max-margin problem of labelled points: rows z_n = y_n x_n (labels +1 or -1). */
export function marginProblem(x: ArrayLike<number>, y: ArrayLike<number>, N: number, D: number): MarginProblem {
  const Z = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    if (y[n] !== 1 && y[n] !== -1) throw new Error(`marginProblem: labels must be +1 or -1, got ${y[n]}`);
    for (let d = 0; d < D; d++) Z[n * D + d] = y[n] * x[n * D + d];
  }
  return { Z, N, D };
}

/** The margins z_n . beta. */
export const margins = (p: MarginProblem, beta: ArrayLike<number>): Float64Array => matVec(p.Z, beta, p.N, p.D);
/** The smallest margin z_n . beta. */
export const minMargin = (p: MarginProblem, beta: ArrayLike<number>): number => Math.min(...margins(p, beta));

/** A max-margin solution at unit smallest margin, its objective, the dual bound, the duality gap and the dual weights. */
export interface SolverResult {
  /** The solution, scaled so that the smallest margin is exactly 1. */
  beta: Float64Array;
  /** Primal objective at beta. */
  value: number;
  /** Objective of the dual certificate (a lower bound on the optimum). */
  dualValue: number;
  /** value - dualValue >= 0: the optimality gap. */
  gap: number;
  /** Dual variables (one per example; > 0 on the support vectors). */
  alpha: Float64Array;
  iterations: number;
}

function scaleToUnitMargin(p: MarginProblem, beta: Float64Array, who: string): Float64Array {
  const m = minMargin(p, beta);
  if (!(m > 0))
    throw new Error(
      `${who}: the data are not linearly separable through the origin (no beta with positive margins was found)`,
    );
  return beta.map((v) => v / m);
}

/**
 * l2 max margin: min 1/2 ||beta||^2 s.t. Z beta >= 1, through its dual
 * max_{alpha >= 0} 1'alpha - 1/2 ||Z'alpha||^2 (coordinate ascent, then an exact
 * solve on the support found). value = 1/2 ||beta||^2.
 */
export function l2MaxMargin(p: MarginProblem, opts: { tol?: number; maxIter?: number } = {}): SolverResult {
  const { N, D, Z } = p;
  const tol = opts.tol ?? 1e-13,
    maxIter = opts.maxIter ?? 100000;
  const G = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) G[i * N + j] = dot(Z.subarray(i * D, i * D + D), Z.subarray(j * D, j * D + D));
  let alpha = new Float64Array(N);
  const Ga = new Float64Array(N);
  let it = 0;
  for (; it < maxIter; it++) {
    let change = 0;
    for (let n = 0; n < N; n++) {
      if (G[n * N + n] <= 0) continue;
      const a = Math.max(0, alpha[n] + (1 - Ga[n]) / G[n * N + n]);
      const d = a - alpha[n];
      if (d === 0) continue;
      alpha[n] = a;
      for (let k = 0; k < N; k++) Ga[k] += d * G[k * N + n];
      change = Math.max(change, Math.abs(d));
    }
    if (!Number.isFinite(change) || Math.max(...alpha) > 1e12)
      throw new Error('l2MaxMargin: the data are not linearly separable through the origin (the dual is unbounded)');
    if (change <= tol * Math.max(1, Math.max(...alpha))) break;
  }
  // polish: the KKT system on the support is linear
  const S = [...alpha.keys()].filter((n) => alpha[n] > 1e-10 * Math.max(...alpha));
  const GS = new Float64Array(S.length * S.length);
  S.forEach((a, i) =>
    S.forEach((b, j) => {
      GS[i * S.length + j] = G[a * N + b];
    }),
  );
  const aS = S.length ? solveDense(GS, new Float64Array(S.length).fill(1), S.length) : null;
  if (aS && aS.every((v) => v > 0)) {
    const cand = new Float64Array(N);
    S.forEach((n, i) => {
      cand[n] = aS[i];
    });
    const b = matTVec(Z, cand, N, D);
    if (Math.min(...margins(p, b)) >= 1 - 1e-12) alpha = cand;
  }
  const beta = scaleToUnitMargin(p, matTVec(Z, alpha, N, D), 'l2MaxMargin');
  const c = matTVec(Z, alpha, N, D);
  const value = 0.5 * dot(beta, beta);
  const dualValue = alpha.reduce((s, v) => s + v, 0) - 0.5 * dot(c, c);
  return { beta, value, dualValue, gap: Math.max(0, value - dualValue), alpha, iterations: it };
}

/**
 * A group norm sum_g w_g ||A_g beta||_2: A is [M, D] row-major and group g
 * holds rows starts[g] .. starts[g+1]-1. AtA must be a multiple of the
 * identity (it is for the identity and the DFT), which makes the dual norm exact.
 */
export interface GroupNorm {
  name: string;
  A: Float64Array;
  M: number;
  D: number;
  starts: number[];
}

/** ||beta||_1: one group per coordinate. */
export function l1Norm(D: number): GroupNorm {
  const A = new Float64Array(D * D);
  for (let d = 0; d < D; d++) A[d * D + d] = 1;
  return { name: 'l1', A, M: D, D, starts: [...Array(D + 1).keys()] };
}

/**
 * ||DFT(beta)||_1 = sum_k |beta_hat_k| over all H*W frequencies of the
 * unnormalised DFT of beta seen as an H x W image (H = 1: a 1-D signal).
 * Group k = (u, v) holds the rows Re and Im of exp(-2 pi i (u r / H + v c / W)).
 */
export function fourierL1Norm(H: number, W: number): GroupNorm {
  const D = H * W,
    A = new Float64Array(2 * D * D);
  for (let u = 0; u < H; u++)
    for (let v = 0; v < W; v++) {
      const k = u * W + v;
      for (let r = 0; r < H; r++)
        for (let c = 0; c < W; c++) {
          const a = -2 * Math.PI * (((u * r) % H) / H + ((v * c) % W) / W);
          A[2 * k * D + r * W + c] = Math.cos(a);
          A[(2 * k + 1) * D + r * W + c] = Math.sin(a);
        }
    }
  return { name: `fourier-l1 ${H}x${W}`, A, M: 2 * D, D, starts: Array.from({ length: D + 1 }, (_, k) => 2 * k) };
}

/** The group magnitudes ||A_g beta|| (for the DFT norm: |beta_hat_k|, the Fourier amplitude spectrum). */
export function groupMagnitudes(g: GroupNorm, beta: ArrayLike<number>): Float64Array {
  const Ab = matVec(g.A, beta, g.M, g.D);
  const out = new Float64Array(g.starts.length - 1);
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let r = g.starts[k]; r < g.starts[k + 1]; r++) s += Ab[r] * Ab[r];
    out[k] = Math.sqrt(s);
  }
  return out;
}

/** sum_g w_g ||A_g beta||^power of a group norm. */
export function groupNormValue(g: GroupNorm, beta: ArrayLike<number>, weights?: ArrayLike<number>, power = 1): number {
  const m = groupMagnitudes(g, beta);
  let s = 0;
  for (let k = 0; k < m.length; k++) s += (weights ? weights[k] : 1) * m[k] ** power;
  return s;
}

/** Options of the group-l1 max-margin solver: group weights, tolerance, iteration limit. */
export interface GroupSolverOptions {
  /** Per-group weights w_g > 0 (default 1). */
  weights?: ArrayLike<number>;
  /** Stop when gap <= tol * max(1, value). */
  tol?: number;
  maxIter?: number;
  /** Initial ADMM penalty. */
  rho?: number;
}

/**
 * min sum_g w_g ||A_g beta|| s.t. Z beta >= 1 (a second-order cone program)
 * by ADMM on beta with the splits u = A beta, v = Z beta >= 1, with residual
 * balancing of the penalty. The dual certificate: alpha >= 0 from the
 * multipliers of v, c = Z'alpha, s = A c / a (a = AtA / I) gives the dual
 * value 1'alpha / max_g(||s_g|| / w_g).
 */
export function groupL1MaxMargin(p: MarginProblem, g: GroupNorm, opts: GroupSolverOptions = {}): SolverResult {
  const { N, D, Z } = p;
  if (g.D !== D) throw new Error(`groupL1MaxMargin: norm on R^${g.D}, problem in R^${D}`);
  const tol = opts.tol ?? 1e-10,
    maxIter = opts.maxIter ?? 200000;
  const G = g.starts.length - 1,
    M = g.M,
    A = g.A;
  const w = opts.weights ? Float64Array.from(opts.weights) : new Float64Array(G).fill(1);
  const AtA = gramT(A, M, D);
  const aScale = AtA[0];
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++)
      if (Math.abs(AtA[i * D + j] - (i === j ? aScale : 0)) > 1e-9 * aScale)
        throw new Error(`groupL1MaxMargin: ${g.name}: A'A must be a multiple of the identity`);
  const ZtZ = gramT(Z, N, D);
  const K = invertDense(
    AtA.map((v, i) => v + ZtZ[i]),
    D,
  );
  let rho = opts.rho ?? 1;
  const u = new Float64Array(M),
    lam = new Float64Array(M),
    v = new Float64Array(N).fill(1),
    mu = new Float64Array(N);
  let beta: Float64Array = new Float64Array(D);
  let best: SolverResult | null = null;
  const certificate = (it: number): SolverResult | null => {
    const m = Math.min(...margins(p, beta));
    if (!(m > 0)) return null;
    const b = beta.map((x) => x / m);
    const value = groupNormValue(g, b, w);
    const alpha = mu.map((x) => Math.max(0, -rho * x));
    const c = matTVec(Z, alpha, N, D);
    const s = matVec(A, c, M, D).map((x) => x / aScale);
    let tau = 0;
    for (let k = 0; k < G; k++) {
      let q = 0;
      for (let r = g.starts[k]; r < g.starts[k + 1]; r++) q += s[r] * s[r];
      tau = Math.max(tau, Math.sqrt(q) / w[k]);
    }
    const dualValue = tau > 0 ? alpha.reduce((acc, x) => acc + x, 0) / tau : 0;
    return {
      beta: b,
      value,
      dualValue,
      gap: Math.max(0, value - dualValue),
      alpha: alpha.map((x) => (tau > 0 ? x / tau : 0)),
      iterations: it,
    };
  };
  let it = 0;
  for (; it < maxIter; it++) {
    // beta: least squares
    const rhs = matTVec(
      A,
      u.map((x, i) => x - lam[i]),
      M,
      D,
    );
    const rz = matTVec(
      Z,
      v.map((x, i) => x - mu[i]),
      N,
      D,
    );
    for (let d = 0; d < D; d++) rhs[d] += rz[d];
    beta = matVec(K, rhs, D, D);
    const Ab = matVec(A, beta, M, D),
      Zb = matVec(Z, beta, N, D);
    // u: group soft-thresholding; v: projection on v >= 1
    let dualRes = 0,
      primRes = 0;
    const uOld = Float64Array.from(u),
      vOld = Float64Array.from(v);
    for (let k = 0; k < G; k++) {
      let q = 0;
      for (let r = g.starts[k]; r < g.starts[k + 1]; r++) q += (Ab[r] + lam[r]) ** 2;
      const nq = Math.sqrt(q),
        f = nq > w[k] / rho ? 1 - w[k] / (rho * nq) : 0;
      for (let r = g.starts[k]; r < g.starts[k + 1]; r++) u[r] = f * (Ab[r] + lam[r]);
    }
    for (let n = 0; n < N; n++) v[n] = Math.max(1, Zb[n] + mu[n]);
    for (let r = 0; r < M; r++) {
      const e = Ab[r] - u[r];
      lam[r] += e;
      primRes += e * e;
    }
    for (let n = 0; n < N; n++) {
      const e = Zb[n] - v[n];
      mu[n] += e;
      primRes += e * e;
    }
    const du = matTVec(
        A,
        u.map((x, i) => x - uOld[i]),
        M,
        D,
      ),
      dv = matTVec(
        Z,
        v.map((x, i) => x - vOld[i]),
        N,
        D,
      );
    for (let d = 0; d < D; d++) dualRes += (rho * (du[d] + dv[d])) ** 2;
    if (it % 25 === 24) {
      const cert = certificate(it + 1);
      if (cert && (!best || cert.gap < best.gap)) best = cert;
      if (best && best.gap <= tol * Math.max(1, best.value)) break;
      // residual balancing (scaled duals rescale with rho)
      const pr = Math.sqrt(primRes),
        dr = Math.sqrt(dualRes);
      const f = pr > 10 * dr ? 2 : dr > 10 * pr ? 0.5 : 1;
      if (f !== 1) {
        rho *= f;
        for (let r = 0; r < M; r++) lam[r] /= f;
        for (let n = 0; n < N; n++) mu[n] /= f;
      }
    }
  }
  const last = certificate(it);
  if (last && (!best || last.gap < best.gap)) best = last;
  if (!best) throw new Error(`groupL1MaxMargin: ${g.name}: the data are not linearly separable through the origin`);
  return { ...best, iterations: it };
}

/** The Fourier-l1 max-margin solution (minimum sum of |DFT| coefficients at unit margin). */
export const fourierL1MaxMargin = (p: MarginProblem, H: number, W: number, opts?: GroupSolverOptions): SolverResult =>
  groupL1MaxMargin(p, fourierL1Norm(H, W), opts);
/** The l1 max-margin solution (minimum ||beta||_1 at unit margin). */
export const l1MaxMargin = (p: MarginProblem, opts?: GroupSolverOptions): SolverResult =>
  groupL1MaxMargin(p, l1Norm(p.D), opts);

/** A quasi-norm max-margin solution by reweighting: beta, its objective and the objective per step. */
export interface ReweightResult {
  beta: Float64Array;
  /** sum_g ||A_g beta||^q at unit margin. */
  value: number;
  /** The value after each reweighting step (non-increasing up to the smoothing). */
  history: number[];
  /** Cosine between the last two iterates (1 at convergence). */
  lastStepCosine: number;
  /** Duality gap of the convex group-l1 solve it starts from (NaN when started from opts.start). */
  l1Gap: number;
  iterations: number;
}

/**
 * A stationary point of min sum_g ||A_g beta||^q (0 < q < 1; q = 2/L for L
 * layers) s.t. Z beta >= 1, by iteratively reweighted group-l1 (a
 * majorise-minimise scheme) started from the group-l1 solution.
 */
export function reweightedMaxMargin(
  p: MarginProblem,
  g: GroupNorm,
  q: number,
  opts: { maxSteps?: number; epsRel?: number; tol?: number; start?: ArrayLike<number> } = {},
): ReweightResult {
  if (!(q > 0 && q <= 1)) throw new Error(`reweightedMaxMargin: q must be in (0, 1], got ${q}`);
  // from a given point (e.g. what GD learned): the stationary point on (about) its support
  const start = opts.start
    ? { beta: scaleToUnitMargin(p, Float64Array.from(opts.start), 'reweightedMaxMargin'), gap: NaN }
    : groupL1MaxMargin(p, g, { tol: opts.tol ?? 1e-10 });
  let beta = start.beta;
  const history = [groupNormValue(g, beta, undefined, q)];
  if (q === 1) return { beta, value: history[0], history, lastStepCosine: 1, iterations: 0, l1Gap: start.gap };
  const maxSteps = opts.maxSteps ?? 30,
    epsRel = opts.epsRel ?? 1e-6;
  let lastCos = 0,
    it = 0;
  for (; it < maxSteps; it++) {
    const mags = groupMagnitudes(g, beta);
    const eps = epsRel * Math.max(...mags);
    const weights = mags.map((m) => (m + eps) ** (q - 1));
    const next = groupL1MaxMargin(p, g, { weights, tol: opts.tol ?? 1e-9 }).beta;
    lastCos = cosine(next, beta);
    beta = next;
    history.push(groupNormValue(g, beta, undefined, q));
    if (1 - lastCos < 1e-12) break;
  }
  return {
    beta,
    value: history[history.length - 1],
    history,
    lastStepCosine: lastCos,
    iterations: it,
    l1Gap: start.gap,
  };
}

/** The normalised margin min_n z_n . beta / ||beta|| in a given norm (l2 when norm is omitted). */
export function normalisedMargin(p: MarginProblem, beta: ArrayLike<number>, g?: GroupNorm): number {
  const n = g ? groupNormValue(g, beta) : norm2(beta);
  return n > 0 ? minMargin(p, beta) / n : 0;
}
