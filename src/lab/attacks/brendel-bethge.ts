// Brendel-Bethge minimal-perturbation attacks (L2 and Linf), after Foolbox 3's
// reference implementation: start from adversarial points, binary-search
// towards the input, then follow the decision boundary with a per-example
// trust-region step; the best adversarial seen is returned.
import { tensor } from '../../engine/ops/creation.ts';
import { uniformArray, permutation } from '../../engine/core/random.ts';
import {
  argmaxRows,
  boundsOf,
  checkInputs,
  finishResult,
  logitsOf,
  lossAndGrad,
  marginWeights,
  meets,
  vecNorm,
  type AttackInputs,
  type AttackResult,
} from './common.ts';
import { solveL2, solveLinf } from './bb-solvers.ts';
import type { Tensor } from '../../engine/tensor.ts';

/** Options of brendelBethge(): norm, steps, trust-region rate, starting points, restarts. */
export interface BrendelBethgeOptions {
  norm: 'l2' | 'linf';
  /** Iterations (Foolbox default 1000). */
  steps?: number;
  /** Trust-region rate (default 1e-3); radius r = lr * D * (hi - lo) for l2, lr * sqrt(D) * (hi - lo) for linf. */
  lr?: number;
  /** lr <- lr * lrDecay every floor(steps / lrNumDecay) steps (defaults 0.5, 20). */
  lrDecay?: number;
  lrNumDecay?: number;
  /** Boundary normal b <- (1 - momentum) grad + momentum b (default 0.8). */
  momentum?: number;
  /** Aim b.delta = -overshoot * diff (non-adversarial) or -(2 - overshoot) * diff (adversarial); default 1.1. */
  overshoot?: number;
  /** Bisection steps between x and the starting point (default 10). */
  binarySearchSteps?: number;
  /**
   * Starting points: 'data' picks, per example, a random image from `startPool`
   * (default: the other inputs of the batch) that the model already classifies
   * adversarially; 'noise' uses Foolbox's blended uniform noise search. Examples
   * with no data candidate fall back to noise.
   */
  init?: 'data' | 'noise';
  /** Candidate starting images [M, ...inputShape] for init 'data'. */
  startPool?: Tensor;
  /** Explicit starting points (must be adversarial), [N * D] in the inputs' layout. */
  startingPoints?: Float32Array;
  /**
   * Independent runs from different starting points (restart r draws its
   * candidates with seed + r); the closest adversarial over all runs is kept.
   * Default 1. Boundary following finds a local minimum; on a multi-class model
   * more starts reach more facets.
   */
  restarts?: number;
}

/**
 * Adversarial starting points: host array [N*D] and a flag per example
 * (0 where none was found).
 */
export async function findStartingPoints(
  a: AttackInputs,
  o: BrendelBethgeOptions,
  x0: Float32Array,
  n: number,
  d: number,
): Promise<{ x: Float32Array; found: Uint8Array }> {
  const [blo, bhi] = boundsOf(a.bounds);
  const seed = a.seed ?? 0;
  const out = new Float32Array(n * d);
  const found = new Uint8Array(n);
  const shape = [...a.x.shape];
  const k = a.model.numClasses;
  if (o.startingPoints) {
    if (o.startingPoints.length !== n * d)
      throw new Error(`brendel-bethge: startingPoints has ${o.startingPoints.length} values, need ${n * d}`);
    out.set(o.startingPoints);
    const t = tensor(out, shape, a.x.backend);
    const p = argmaxRows(await logitsOf(a.model, t).finally(() => t.dispose()), n, k);
    for (let i = 0; i < n; i++) found[i] = meets(p[i], i, a.labels, a.targets) ? 1 : 0;
    return { x: out, found };
  }
  if ((o.init ?? 'data') === 'data') {
    const pool = o.startPool ?? a.x;
    const m = pool.shape[0];
    if (pool.size !== m * d)
      throw new Error(`brendel-bethge: startPool [${pool.shape.join(', ')}] does not match inputs of ${d} values`);
    const ph = await pool.data();
    const pp = argmaxRows(await logitsOf(a.model, pool), m, k);
    const order = permutation(m, seed, 11);
    for (let i = 0; i < n; i++) {
      // a seeded rotation of one shared permutation: a different first candidate per example
      const off = Math.floor(uniformArray(1, seed, 12, i)[0] * m);
      for (let q = 0; q < m; q++) {
        const c = order[(off + q) % m];
        if (meets(pp[c], i, a.labels, a.targets)) {
          out.set(ph.subarray(c * d, (c + 1) * d), i * d);
          found[i] = 1;
          break;
        }
      }
    }
  }
  // blended uniform noise for the rest (Foolbox LinearSearchBlendedUniformNoiseAttack)
  const need = [...Array(n).keys()].filter((i) => !found[i]);
  if (need.length) {
    const noise = new Float32Array(n * d);
    const hasDir = new Uint8Array(n);
    for (let attempt = 0; attempt < 100 && need.some((i) => !hasDir[i]); attempt++) {
      const u = uniformArray(n * d, seed, 1000 + attempt);
      for (const i of need)
        if (!hasDir[i]) for (let j = i * d; j < (i + 1) * d; j++) noise[j] = blo + (bhi - blo) * u[j];
      const t = tensor(noise, shape, a.x.backend);
      const p = argmaxRows(await logitsOf(a.model, t).finally(() => t.dispose()), n, k);
      for (const i of need) if (meets(p[i], i, a.labels, a.targets)) hasDir[i] = 1;
    }
    // linear search over the blend (1 - e) x0 + e noise, e = 1/steps, 2/steps, ...
    const steps = 100;
    const blend = new Float32Array(n * d);
    for (let s = 1; s <= steps && need.some((i) => hasDir[i] && !found[i]); s++) {
      const e = s / steps;
      for (let j = 0; j < n * d; j++) blend[j] = (1 - e) * x0[j] + e * noise[j];
      const t = tensor(blend, shape, a.x.backend);
      const p = argmaxRows(await logitsOf(a.model, t).finally(() => t.dispose()), n, k);
      for (const i of need)
        if (hasDir[i] && !found[i] && meets(p[i], i, a.labels, a.targets)) {
          found[i] = 1;
          out.set(blend.subarray(i * d, (i + 1) * d), i * d);
        }
    }
  }
  return { x: out, found };
}

/** Point between x0 (e = 0) and x1 (e = 1): blend for l2, clip(x1 - x0, +-e*(hi-lo)) for linf (Foolbox mid_points). */
function midPoints(
  x0: Float32Array,
  x1: Float32Array,
  e: Float64Array,
  n: number,
  d: number,
  norm: 'l2' | 'linf',
  span: number,
): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = i * d; j < (i + 1) * d; j++) {
      if (norm === 'l2') out[j] = e[i] * x1[j] + (1 - e[i]) * x0[j];
      else {
        const lim = e[i] * span;
        out[j] = x0[j] + Math.min(lim, Math.max(-lim, x1[j] - x0[j]));
      }
    }
  return out;
}

/** The Brendel-Bethge minimal-norm attack (Foolbox 3 semantics; L2 or Linf): start from adversarial points and walk along the decision boundary towards x. */
export async function brendelBethge(a: AttackInputs, o: BrendelBethgeOptions): Promise<AttackResult> {
  const restarts = o.restarts ?? 1;
  if (!Number.isInteger(restarts) || restarts < 1)
    throw new Error(`bb-${o.norm}: restarts must be a positive integer, got ${restarts}`);
  let best: AttackResult | null = null;
  for (let r = 0; r < restarts; r++) {
    const res = await brendelBethgeOnce({ ...a, seed: (a.seed ?? 0) + r }, o);
    if (!best) {
      best = res;
      continue;
    }
    const d = best.shape.slice(1).reduce((p, q) => p * q, 1);
    const nb = o.norm === 'l2' ? best.norms.l2 : best.norms.linf,
      nr = o.norm === 'l2' ? res.norms.l2 : res.norms.linf;
    const adv = Float32Array.from(best.adversarial);
    for (let i = 0; i < res.shape[0]; i++) {
      if (res.isAdversarial[i] && (!best.isAdversarial[i] || nr[i] < nb[i]))
        adv.set(res.adversarial.subarray(i * d, (i + 1) * d), i * d);
    }
    const x0 = await a.x.data();
    best = await finishResult(`bb-${o.norm}`, a, x0, adv, { cleanPred: best.cleanPred });
  }
  return best!;
}

async function brendelBethgeOnce(a: AttackInputs, o: BrendelBethgeOptions): Promise<AttackResult> {
  const name = `bb-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  const [blo, bhi] = boundsOf(a.bounds);
  if (o.norm !== 'l2' && o.norm !== 'linf') throw new Error(`${name}: norm must be 'l2' or 'linf'`);
  const steps = o.steps ?? 1000,
    lr0 = o.lr ?? 1e-3,
    decay = o.lrDecay ?? 0.5,
    numDecay = o.lrNumDecay ?? 20;
  const momentum = o.momentum ?? 0.8,
    overshoot = o.overshoot ?? 1.1,
    bsSteps = o.binarySearchSteps ?? 10;
  const k = a.model.numClasses;
  const shape = [...a.x.shape];
  a.model.setTraining(false);
  const x0 = await a.x.data();
  const cleanPred = argmaxRows(await logitsOf(a.model, a.x), n, k);
  // inputs that already meet the criterion are returned unchanged (Foolbox semantics)
  const already = new Uint8Array(n);
  for (let i = 0; i < n; i++) already[i] = meets(cleanPred[i], i, a.labels, a.targets) ? 1 : 0;
  const start = await findStartingPoints(a, o, x0, n, d);
  const active = new Uint8Array(n);
  for (let i = 0; i < n; i++) active[i] = !already[i] && start.found[i] ? 1 : 0;
  for (let i = 0; i < n; i++) if (!active[i]) start.x.set(x0.subarray(i * d, (i + 1) * d), i * d);

  // binary search between x0 and the starting point; keep the adversarial end
  const lower = new Float64Array(n),
    upper = new Float64Array(n).fill(1);
  const evalPred = async (xs: Float32Array): Promise<{ pred: Int32Array; z: Float32Array }> => {
    const t = tensor(xs, shape, a.x.backend);
    const z = await logitsOf(a.model, t).finally(() => t.dispose());
    return { pred: argmaxRows(z, n, k), z };
  };
  for (let s = 0; s < bsSteps; s++) {
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) e[i] = 0.5 * (lower[i] + upper[i]);
    const { pred } = await evalPred(midPoints(x0, start.x, e, n, d, o.norm, bhi - blo));
    for (let i = 0; i < n; i++)
      if (meets(pred[i], i, a.labels, a.targets)) upper[i] = e[i];
      else lower[i] = e[i];
  }
  const x = midPoints(x0, start.x, upper, n, d, o.norm, bhi - blo);
  const best = Float32Array.from(x);
  const bestDist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!active[i]) {
      best.set(x0.subarray(i * d, (i + 1) * d), i * d);
      x.set(best.subarray(i * d, (i + 1) * d), i * d);
      bestDist[i] = active[i] ? 0 : Infinity;
      continue;
    }
    bestDist[i] = distance(x, x0, i, d, o.norm);
  }
  const span = bhi - blo;
  const radiusScale = o.norm === 'l2' ? d * span : Math.sqrt(d) * span;
  let lr = lr0;
  const interval = Math.max(1, Math.floor(steps / numDecay));
  let boundary: Float64Array | null = null;
  const dx = new Float64Array(d),
    bb = new Float64Array(d),
    L = new Float64Array(d),
    U = new Float64Array(d),
    step = new Float64Array(d);
  const every = Math.max(1, Math.floor(steps / 100));
  for (let s = 1; s <= steps; s++) {
    const xt = tensor(x, shape, a.x.backend);
    let gradH: Float32Array, diff: Float64Array;
    try {
      const z = await logitsOf(a.model, xt);
      diff = marginWeights(z, n, k, a.labels, a.targets).diff; // > 0: adversarial
      const { value, grad } = lossAndGrad(a.model, xt, a.labels, a.targets, 'margin', z);
      value.dispose();
      gradH = await grad.data().finally(() => grad.dispose());
    } finally {
      xt.dispose();
    }
    // Foolbox's logits_diffs = -diff (< 0: adversarial); its gradient is -grad
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      if (diff[i] > 0) {
        const dist = distance(x, x0, i, d, o.norm);
        if (dist < bestDist[i]) {
          bestDist[i] = dist;
          best.set(x.subarray(i * d, (i + 1) * d), i * d);
        }
      }
    }
    if (!boundary) {
      boundary = new Float64Array(n * d);
      for (let j = 0; j < n * d; j++) boundary[j] = -gradH[j];
    } else for (let j = 0; j < n * d; j++) boundary[j] = (1 - momentum) * -gradH[j] + momentum * boundary[j];
    if ((s + 1) % interval === 0) lr *= decay;
    const r = lr * radiusScale;
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      const ld = -diff[i];
      const c = ld > 0 ? -overshoot * ld : -(2 - overshoot) * ld;
      for (let j = 0; j < d; j++) {
        const xv = x[i * d + j];
        dx[j] = x0[i * d + j] - xv;
        bb[j] = boundary[i * d + j];
        L[j] = blo - xv;
        U[j] = bhi - xv;
      }
      if (o.norm === 'l2') solveL2(dx, bb, L, U, c, r, step);
      else solveLinf(dx, bb, L, U, c, r, step);
      for (let j = 0; j < d; j++) x[i * d + j] = Math.min(bhi, Math.max(blo, x[i * d + j] + step[j]));
    }
    if (a.onProgress && (s % every === 0 || s === steps)) a.onProgress({ attack: name, done: s, total: steps });
  }
  // the last iterate is checked too
  const { z } = await evalPred(x);
  const diffLast = marginWeights(z, n, k, a.labels, a.targets).diff;
  for (let i = 0; i < n; i++)
    if (active[i] && diffLast[i] > 0) {
      const dist = distance(x, x0, i, d, o.norm);
      if (dist < bestDist[i]) {
        bestDist[i] = dist;
        best.set(x.subarray(i * d, (i + 1) * d), i * d);
      }
    }
  return finishResult(name, a, x0, best, { cleanPred });
}

function distance(x: Float32Array, x0: Float32Array, i: number, d: number, norm: 'l2' | 'linf'): number {
  const diff = new Float64Array(d);
  for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - x0[i * d + j];
  return vecNorm(diff, norm);
}
