// Auto-PGD (Croce and Hein 2020, "Reliable evaluation of adversarial robustness
// with an ensemble of diverse parameter-free attacks"), Linf and L2, with the
// cross-entropy and the DLR loss, and the targeted variant APGD-T.
// Followed as published (paper's Algorithm 1 and the authors' code):
//   step eta = 2 eps; x1 = P(x0 + eta dir(g)); then
//   z = P(x_k + eta dir(g_k)), x_{k+1} = P(x_k + 0.75 (z - x_k) + 0.25 (x_k - x_{k-1}));
//   checkpoints w_0 = 0, w_1 = 0.22 N, gaps shrinking by 0.03 N down to 0.06 N; at a
//   checkpoint eta halves and x restarts from the best point when (1) the loss rose
//   in at most 75% of the steps since the last checkpoint, or (2) eta was not halved
//   at the last checkpoint and the best loss did not improve since then.
// One forward and one backward per step: the loss and its gradient with respect to
// the logits are computed on the host (float64) and pulled back through the model
// as sum(z * dL/dz); the iterates live on the host.
import { tensor } from '../../engine/ops/creation.ts';
import { normalArray, uniformArray } from '../../engine/core/random.ts';
import {
  argmaxRows,
  boundsOf,
  checkInputs,
  epsArray,
  finishResult,
  inputGradient,
  logitsOf,
  meets,
  type AttackInputs,
  type AttackResult,
} from './common.ts';

/** The loss APGD ascends: 'ce' (cross-entropy) or 'dlr' (the difference-of-logits ratio of Croce and Hein 2020). */
export type APGDLoss = 'ce' | 'dlr';

/** Options of apgd(): norm, budget, iterations, restarts, loss, random start. */
export interface APGDOptions {
  norm: 'linf' | 'l2';
  /** Radius (one value or one per example). */
  eps: number | ArrayLike<number>;
  /** Iterations per run (paper: 100). */
  steps?: number;
  /** 'ce' (default) or 'dlr'; targeted when the inputs carry targets (CE: -CE(z, t); DLR: the targeted DLR). */
  loss?: APGDLoss;
  /** Runs from new random starts for the examples not yet fooled (default 1). */
  restarts?: number;
  /** Random start on the sphere of radius eps (default true, as published); false starts at x. */
  randomStart?: boolean;
  /** Momentum weight alpha (default 0.75) and the oscillation threshold rho (default 0.75). */
  momentum?: number;
  rho?: number;
  /**
   * What is returned per example: 'adversarial' (default, as published): the last iterate
   * that meets the criterion, else the highest-loss point; 'max-loss': the highest-loss point.
   */
  keep?: 'adversarial' | 'max-loss';
  name?: string;
}

/** Result of one APGD run, with the best loss reached per example. */
export interface APGDResult extends AttackResult {
  bestLoss: Float64Array;
}

/** The checkpoint iterations w_1 < w_2 < ... (< steps) of the step-size schedule, as the authors' code computes them. */
export function apgdCheckpoints(steps: number): number[] {
  const first = Math.max(Math.floor(0.22 * steps), 1),
    least = Math.max(Math.floor(0.06 * steps), 1),
    decr = Math.max(Math.floor(0.03 * steps), 1);
  const out: number[] = [];
  for (let w = first, k = first; w <= steps; k = Math.max(k - decr, least), w += k) out.push(w);
  return out;
}

/**
 * The loss and dL/dz per example from logits z [n, k] (float64 on the host).
 * ce: CE(z, y), or -CE(z, t) when targeted.
 * dlr: -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12) (pi: classes by decreasing logit);
 *      targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12).
 */
export function apgdLoss(
  loss: APGDLoss,
  z: ArrayLike<number>,
  n: number,
  k: number,
  labels: ArrayLike<number>,
  targets?: ArrayLike<number>,
): { value: Float64Array; dz: Float32Array } {
  const value = new Float64Array(n),
    dz = new Float32Array(n * k);
  if (loss === 'dlr' && k < (targets ? 4 : 3))
    throw new Error(
      `apgd: the ${targets ? 'targeted ' : ''}DLR loss needs at least ${targets ? 4 : 3} classes, the model has ${k}`,
    );
  const order = new Array<number>(k);
  for (let i = 0; i < n; i++) {
    const o = i * k,
      y = labels[i];
    if (loss === 'ce') {
      let mx = -Infinity;
      for (let j = 0; j < k; j++) mx = Math.max(mx, z[o + j]);
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(z[o + j] - mx);
      const lse = mx + Math.log(s),
        c = targets ? targets[i] : y,
        sg = targets ? -1 : 1;
      value[i] = sg * (lse - z[o + c]);
      for (let j = 0; j < k; j++) dz[o + j] = sg * (Math.exp(z[o + j] - lse) - (j === c ? 1 : 0));
      continue;
    }
    for (let j = 0; j < k; j++) order[j] = j;
    order.sort((p, q) => z[o + q] - z[o + p] || p - q);
    const g = new Float64Array(k);
    let num: number, den: number;
    if (targets) {
      const t = targets[i];
      num = z[o + y] - z[o + t];
      g[y] += 1;
      g[t] -= 1;
      den = z[o + order[0]] - 0.5 * (z[o + order[2]] + z[o + order[3]]) + 1e-12;
      const gd = new Float64Array(k);
      gd[order[0]] += 1;
      gd[order[2]] -= 0.5;
      gd[order[3]] -= 0.5;
      for (let j = 0; j < k; j++) dz[o + j] = -(g[j] * den - num * gd[j]) / (den * den);
    } else {
      const other = order[0] === y ? order[1] : order[0];
      num = z[o + y] - z[o + other];
      g[y] += 1;
      g[other] -= 1;
      den = z[o + order[0]] - z[o + order[2]] + 1e-12;
      const gd = new Float64Array(k);
      gd[order[0]] += 1;
      gd[order[2]] -= 1;
      for (let j = 0; j < k; j++) dz[o + j] = -(g[j] * den - num * gd[j]) / (den * den);
    }
    value[i] = -num / den;
  }
  return { value, dz };
}

/** Project p onto {x0 + delta : ||delta|| <= eps} then clip to the box, as the authors' code (row i). */
function project(
  p: Float64Array,
  x0: Float32Array,
  i: number,
  d: number,
  norm: 'linf' | 'l2',
  eps: number,
  lo: number,
  hi: number,
  out: Float32Array,
): void {
  const o = i * d;
  if (norm === 'linf') {
    for (let j = o; j < o + d; j++)
      out[j] = Math.min(hi, Math.max(lo, Math.min(x0[j] + eps, Math.max(x0[j] - eps, p[j]))));
    return;
  }
  let s = 0;
  for (let j = o; j < o + d; j++) s += (p[j] - x0[j]) ** 2;
  const nr = Math.sqrt(s),
    f = nr > eps ? eps / (nr + 1e-12) : 1;
  for (let j = o; j < o + d; j++) out[j] = Math.min(hi, Math.max(lo, x0[j] + (p[j] - x0[j]) * f));
}

/** Step direction of row i: sign(g) (linf) or g / ||g||_2 (l2). */
function direction(g: Float32Array, i: number, d: number, norm: 'linf' | 'l2', out: Float64Array): void {
  const o = i * d;
  if (norm === 'linf') {
    for (let j = o; j < o + d; j++) out[j] = Math.sign(g[j]);
    return;
  }
  let s = 0;
  for (let j = o; j < o + d; j++) s += g[j] * g[j];
  const f = 1 / (Math.sqrt(s) + 1e-12);
  for (let j = o; j < o + d; j++) out[j] = g[j] * f;
}

/** One APGD run on all the inputs (no restarts). */
async function apgdRun(
  a: AttackInputs,
  o: APGDOptions,
  eps: Float64Array,
  seed: number,
): Promise<{ adv: Float32Array; best: Float32Array; bestLoss: Float64Array; fooled: Uint8Array }> {
  const { n, d } = checkInputs(o.name ?? 'apgd', a);
  const [lo, hi] = boundsOf(a.bounds);
  const k = a.model.numClasses,
    norm = o.norm,
    steps = o.steps ?? 100;
  const alpha = o.momentum ?? 0.75,
    rho = o.rho ?? 0.75,
    loss = o.loss ?? 'ce';
  const shape = [...a.x.shape];
  const x0 = await a.x.data();
  // the start: x + eps * t / ||t|| with t uniform in [-1,1]^D (linf, scaled to touch the corner) or Gaussian (l2)
  const xAdv = Float32Array.from(x0);
  if (o.randomStart ?? true) {
    const t = norm === 'linf' ? uniformArray(n * d, seed, 200).map((u) => 2 * u - 1) : normalArray(n * d, seed, 200);
    const p = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) s = norm === 'linf' ? Math.max(s, Math.abs(t[j])) : s + t[j] * t[j];
      const f = eps[i] / ((norm === 'linf' ? s : Math.sqrt(s)) + 1e-12);
      for (let j = i * d; j < (i + 1) * d; j++) p[j] = x0[j] + f * t[j];
      project(p, x0, i, d, norm, eps[i], lo, hi, xAdv);
    }
  }
  const evalAt = async (xh: Float32Array): Promise<{ value: Float64Array; grad: Float32Array; pred: Int32Array }> => {
    const { z, grad } = await inputGradient(
      a.model,
      tensor(xh, shape, a.x.backend),
      (zh) => apgdLoss(loss, zh, n, k, a.labels, a.targets).dz,
    );
    return { value: apgdLoss(loss, z, n, k, a.labels, a.targets).value, grad, pred: argmaxRows(z, n, k) };
  };
  let cur = await evalAt(xAdv);
  let grad = cur.grad;
  const fooled = new Uint8Array(n),
    adv = Float32Array.from(xAdv);
  const markFooled = (pred: Int32Array, xh: Float32Array): void => {
    for (let i = 0; i < n; i++)
      if (meets(pred[i], i, a.labels, a.targets)) {
        fooled[i] = 1;
        adv.set(xh.subarray(i * d, (i + 1) * d), i * d);
      }
  };
  markFooled(cur.pred, xAdv);
  const best = Float32Array.from(xAdv),
    bestLoss = Float64Array.from(cur.value),
    gradBest = Float32Array.from(grad);
  const eta = Float64Array.from(eps, (e) => 2 * e);
  const xOld = Float32Array.from(xAdv);
  const lossPrev = Float64Array.from(cur.value);
  const rises = new Int32Array(n);
  const reducedLast = new Uint8Array(n).fill(1),
    bestLastCheck = Float64Array.from(bestLoss);
  const checks = new Set(apgdCheckpoints(steps));
  let last = 0;
  const dir = new Float64Array(n * d),
    p = new Float64Array(n * d),
    z1 = new Float32Array(n * d),
    next = new Float32Array(n * d);
  for (let it = 0; it < steps; it++) {
    const a1 = it > 0 ? alpha : 1;
    for (let i = 0; i < n; i++) {
      direction(grad, i, d, norm, dir);
      for (let j = i * d; j < (i + 1) * d; j++) p[j] = xAdv[j] + eta[i] * dir[j];
      project(p, x0, i, d, norm, eps[i], lo, hi, z1);
      for (let j = i * d; j < (i + 1) * d; j++)
        p[j] = xAdv[j] + a1 * (z1[j] - xAdv[j]) + (1 - a1) * (xAdv[j] - xOld[j]);
      project(p, x0, i, d, norm, eps[i], lo, hi, next);
    }
    xOld.set(xAdv);
    xAdv.set(next);
    cur = await evalAt(xAdv);
    grad = cur.grad;
    markFooled(cur.pred, xAdv);
    for (let i = 0; i < n; i++) {
      if (cur.value[i] > lossPrev[i]) rises[i]++;
      lossPrev[i] = cur.value[i];
      if (cur.value[i] > bestLoss[i]) {
        bestLoss[i] = cur.value[i];
        best.set(xAdv.subarray(i * d, (i + 1) * d), i * d);
        gradBest.set(grad.subarray(i * d, (i + 1) * d), i * d);
      }
    }
    if (checks.has(it + 1)) {
      const span = it + 1 - last;
      for (let i = 0; i < n; i++) {
        const oscillating = rises[i] <= rho * span;
        const stalled = !reducedLast[i] && bestLastCheck[i] >= bestLoss[i];
        reducedLast[i] = oscillating || stalled ? 1 : 0;
        bestLastCheck[i] = bestLoss[i];
        rises[i] = 0;
        if (reducedLast[i]) {
          eta[i] /= 2;
          xAdv.set(best.subarray(i * d, (i + 1) * d), i * d);
          grad.set(gradBest.subarray(i * d, (i + 1) * d), i * d);
          // the loss comparison continues from the restart point
          lossPrev[i] = bestLoss[i];
        }
      }
      last = it + 1;
    }
    a.onProgress?.({ attack: o.name ?? 'apgd', done: it + 1, total: steps });
  }
  return { adv, best, bestLoss, fooled };
}

/**
 * APGD with restarts: each restart runs on the examples not yet fooled, from a
 * new random start. Returns the result with the best loss per example.
 */
export async function apgd(a: AttackInputs, o: APGDOptions): Promise<APGDResult> {
  const name = o.name ?? `apgd-${o.loss ?? 'ce'}${a.targets ? '-targeted' : ''}-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  if (o.norm !== 'linf' && o.norm !== 'l2') throw new Error(`${name}: norm must be linf or l2, got '${o.norm}'`);
  const steps = o.steps ?? 100,
    restarts = o.restarts ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${name}: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(restarts) || restarts < 1)
    throw new Error(`${name}: restarts must be a positive integer, got ${restarts}`);
  const eps = epsArray(o.eps, n, name);
  a.model.setTraining(false);
  const x0 = await a.x.data();
  const out = Float32Array.from(x0),
    bestLoss = new Float64Array(n).fill(-Infinity),
    fooled = new Uint8Array(n);
  const keepAdv = (o.keep ?? 'adversarial') === 'adversarial';
  for (let r = 0; r < restarts; r++) {
    const idx = [...Array(n).keys()].filter((i) => !fooled[i]);
    if (!idx.length) break;
    const all = idx.length === n;
    const xs = all
      ? a.x
      : tensor(
          idx.flatMap((i) => Array.from(x0.subarray(i * d, (i + 1) * d))),
          [idx.length, ...a.x.shape.slice(1)],
          a.x.backend,
        );
    try {
      const res = await apgdRun(
        {
          ...a,
          x: xs,
          labels: idx.map((i) => a.labels[i]),
          targets: a.targets ? idx.map((i) => a.targets![i]) : undefined,
          onProgress: a.onProgress
            ? (p) => a.onProgress!({ ...p, attack: name, done: r * steps + p.done, total: restarts * steps })
            : undefined,
        },
        o,
        Float64Array.from(idx, (i) => eps[i]),
        (a.seed ?? 0) + 1009 * r,
      );
      idx.forEach((i, q) => {
        const take = (src: Float32Array): void => out.set(src.subarray(q * d, (q + 1) * d), i * d);
        if (keepAdv && res.fooled[q]) {
          fooled[i] = 1;
          take(res.adv);
          bestLoss[i] = Math.max(bestLoss[i], res.bestLoss[q]);
        } else if (res.bestLoss[q] > bestLoss[i]) {
          bestLoss[i] = res.bestLoss[q];
          take(res.best);
        }
      });
    } finally {
      if (!all) xs.dispose();
    }
  }
  return { ...(await finishResult(name, a, x0, out, { eps })), bestLoss };
}

/** Options of apgdTargeted(): those of apgd() plus how many target classes are tried. */
export interface APGDTOptions extends Omit<APGDOptions, 'loss'> {
  /** Target classes tried per example: the ones with the 2nd, 3rd, ... highest clean logit (default 9, capped at K - 1). */
  targetClasses?: number;
}

/**
 * APGD-T: for each of the top `targetClasses` other classes (by clean logit), a
 * targeted APGD-DLR run on the examples not yet misclassified. The result is
 * untargeted (success = misclassification), as in AutoAttack.
 */
export async function apgdTargeted(a: AttackInputs, o: APGDTOptions): Promise<APGDResult> {
  const name = o.name ?? `apgd-t-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  if (a.targets) throw new Error(`${name}: picks its own targets; give no targets`);
  const k = a.model.numClasses;
  const nt = Math.min(o.targetClasses ?? 9, k - 1);
  if (!(nt >= 1)) throw new Error(`${name}: need targetClasses >= 1, got ${o.targetClasses}`);
  const eps = epsArray(o.eps, n, name);
  a.model.setTraining(false);
  const x0 = await a.x.data();
  const z = await logitsOf(a.model, a.x);
  const ranked = [...Array(n).keys()].map((i) =>
    [...Array(k).keys()].sort((p, q) => z[i * k + q] - z[i * k + p] || p - q),
  );
  const out = Float32Array.from(x0),
    fooled = new Uint8Array(n),
    bestLoss = new Float64Array(n).fill(-Infinity);
  const steps = o.steps ?? 100,
    restarts = o.restarts ?? 1;
  for (let t = 0; t < nt; t++) {
    const idx = [...Array(n).keys()].filter((i) => !fooled[i] && ranked[i][0] === a.labels[i]);
    if (!idx.length) break;
    const xs = tensor(
      idx.flatMap((i) => Array.from(x0.subarray(i * d, (i + 1) * d))),
      [idx.length, ...a.x.shape.slice(1)],
      a.x.backend,
    );
    try {
      const res = await apgd(
        {
          ...a,
          x: xs,
          labels: idx.map((i) => a.labels[i]),
          targets: idx.map((i) => ranked[i][t + 1]),
          seed: (a.seed ?? 0) + 7 * t,
          onProgress: a.onProgress
            ? (p) =>
                a.onProgress!({ ...p, attack: name, done: t * restarts * steps + p.done, total: nt * restarts * steps })
            : undefined,
        },
        { ...o, loss: 'dlr', eps: Float64Array.from(idx, (i) => eps[i]), name },
      );
      idx.forEach((i, q) => {
        // success is untargeted here: any wrong class
        if (res.advPred[q] !== a.labels[i]) {
          fooled[i] = 1;
          out.set(res.adversarial.subarray(q * d, (q + 1) * d), i * d);
        } else if (res.bestLoss[q] > bestLoss[i]) {
          bestLoss[i] = res.bestLoss[q];
          out.set(res.adversarial.subarray(q * d, (q + 1) * d), i * d);
        }
      });
    } finally {
      xs.dispose();
    }
  }
  const untargeted = { ...a, targets: undefined };
  return { ...(await finishResult(name, untargeted, x0, out, { eps })), bestLoss };
}
