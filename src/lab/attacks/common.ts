// The common attack interface: inputs, options, results, and the helpers every
// attack shares (predictions, loss gradients, norms, success bookkeeping).
// Only ops from the public API are used, so attacks run on every backend;
// values are read with `await t.data()`.
import type { Classifier } from '../nn/types.ts';
import { Tensor, tidy, tidyAsync, keep, noGrad } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { mul, sub, neg } from '../../engine/ops/elementwise.ts';
import { sum } from '../../engine/ops/reduce.ts';
import { crossEntropy } from '../../engine/ops/nn.ts';
import { valueAndGrad, backward } from '../../engine/autograd/backward.ts';
import { detach } from '../../engine/ops/elementwise.ts';

/** The perturbation norms the attacks support. */
export type Norm = 'linf' | 'l2' | 'l1';

/** Progress of a long attack: `done` of `total` units (steps, or steps x searches). */
export type ProgressFn = (p: { attack: string; done: number; total: number; message?: string }) => void;

/** What every attack gets: a model, a batch, its labels and the input bounds. */
export interface AttackInputs {
  model: Classifier;
  /** Inputs [N, ...inputShape] (usually [N, C, H, W]) in [bounds[0], bounds[1]]. */
  x: Tensor;
  /** True labels, length N. */
  labels: ArrayLike<number>;
  /** Target classes for a targeted attack (length N); omit for untargeted. */
  targets?: ArrayLike<number>;
  /** Input box, default [0, 1]. */
  bounds?: readonly [number, number];
  /** Seed of all randomness (random starts, start-point choice); default 0. */
  seed?: number;
  onProgress?: ProgressFn;
}

/** Per-example perturbation norms in pixel space (float64, computed on the host). */
export interface Norms {
  l0: Float64Array;
  l1: Float64Array;
  l2: Float64Array;
  linf: Float64Array;
}

/** What every attack returns: adversarial inputs, perturbations, predictions, success flags, norms and statistics (host arrays). */
export interface AttackResult {
  attack: string;
  /** [N, ...inputShape] */
  shape: number[];
  /** x_adv, float32, row-major; always inside the bounds. */
  adversarial: Float32Array;
  /** x_adv - x, float32. */
  perturbation: Float32Array;
  /** Model prediction on x and on x_adv. */
  cleanPred: Int32Array;
  advPred: Int32Array;
  /** 1 where the clean input is classified correctly. */
  cleanCorrect: Uint8Array;
  /** 1 where x_adv meets the criterion (untargeted: advPred != label; targeted: advPred == target). */
  isAdversarial: Uint8Array;
  /** isAdversarial && cleanCorrect: the success counted in the paper. */
  success: Uint8Array;
  norms: Norms;
  /** Per-example budget the attack ran with (fixed-budget attacks and minimal-norm searches), else absent. */
  eps?: Float64Array;
  stats: AttackStats;
}

/** Accuracy and success rates of an attack result. */
export interface AttackStats {
  n: number;
  cleanAccuracy: number;
  /** successes / correctly classified inputs (the paper's success rate). */
  successRate: number;
  /** isAdversarial / all inputs (for untargeted attacks: 1 - accuracy under attack). */
  adversarialRate: number;
  /** Accuracy on x_adv over all inputs. */
  robustAccuracy: number;
}

/** The input box of an attack, [0, 1] by default (checked: lo < hi). */
export function boundsOf(b?: readonly [number, number]): [number, number] {
  const [lo, hi] = b ?? [0, 1];
  if (!(lo < hi)) throw new Error(`attack: bounds must satisfy lo < hi, got [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Check the shared inputs; returns N and D (features per example). */
export function checkInputs(name: string, a: AttackInputs): { n: number; d: number } {
  const { x, labels, targets, model } = a;
  if (x.rank < 2) throw new Error(`${name}: inputs must be [N, ...], got shape [${x.shape.join(', ')}]`);
  const n = x.shape[0];
  const d = x.size / Math.max(n, 1);
  const want = model.inputShape;
  if (want && want.length && (x.rank - 1 !== want.length || want.some((s, i) => s !== x.shape[i + 1])))
    throw new Error(
      `${name}: inputs [${x.shape.join(', ')}] do not match the model's input shape [N, ${want.join(', ')}]`,
    );
  if (labels.length !== n)
    throw new Error(`${name}: ${labels.length} labels for ${n} inputs of shape [${x.shape.join(', ')}]`);
  if (targets && targets.length !== n) throw new Error(`${name}: ${targets.length} targets for ${n} inputs`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= model.numClasses)
      throw new Error(`${name}: label ${labels[i]} at ${i} is not in [0, ${model.numClasses})`);
    if (targets && (!Number.isInteger(targets[i]) || targets[i] < 0 || targets[i] >= model.numClasses))
      throw new Error(`${name}: target ${targets[i]} at ${i} is not in [0, ${model.numClasses})`);
  }
  return { n, d };
}

/** Row-wise argmax of logits [N, K] read from the device. */
export function argmaxRows(z: Float32Array | Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0,
      bv = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = z[i * k + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Logits of x on the host (no autodiff). */
export async function logitsOf(model: Classifier, x: Tensor): Promise<Float32Array> {
  const z = noGrad(() => tidy(() => model.forward(x)));
  try {
    return await z.data();
  } finally {
    z.dispose();
  }
}

/** Predicted classes of x (argmax of the logits). */
export async function predict(model: Classifier, x: Tensor): Promise<Int32Array> {
  const z = await logitsOf(model, x);
  return argmaxRows(z, x.shape[0], model.numClasses);
}

/** Does prediction p meet the criterion for example i? */
export function meets(p: number, i: number, labels: ArrayLike<number>, targets?: ArrayLike<number>): boolean {
  return targets ? p === targets[i] : p !== labels[i];
}

/**
 * Logits z at x and the input gradient J^T G of a loss whose gradient with respect
 * to the logits, G = dz(z) [N, K], is computed on the host from z: one forward and
 * one backward pass (sum(z * G) with G held constant). Disposes x.
 */
export async function inputGradient(
  model: Classifier,
  x: Tensor,
  dz: (z: Float32Array) => Float32Array,
): Promise<{ z: Float32Array; grad: Float32Array }> {
  try {
    return await tidyAsync(async () => {
      const xl = detach(x);
      xl.requiresGrad = true;
      const zt = model.forward(xl);
      const z = await zt.data();
      const s = sum(mul(zt, tensor(dz(z), zt.shape, x.backend)));
      const g = s.requiresGrad ? backward(s, { targets: [xl] }).get(xl) : undefined;
      // a model whose output does not depend on x (fully masked) has no gradient: zero
      if (!g) return { z, grad: new Float32Array(x.size) };
      try {
        return { z, grad: await g.data() };
      } finally {
        g.dispose();
      }
    });
  } finally {
    x.dispose();
  }
}

/** The loss an attack ascends: 'ce' (cross-entropy) or 'margin' (best other logit minus the true one). */
export type LossName = 'ce' | 'margin';

/**
 * The loss an attack ascends (the caller disposes both returned tensors: the
 * gradient escapes enclosing tidy() scopes because backward() keep()s it), summed over the batch (so each example's gradient
 * is its own): untargeted 'ce' = CE(z, y); targeted 'ce' = -CE(z, t);
 * untargeted 'margin' = max_{k!=y} z_k - z_y; targeted 'margin' = z_t - max_{k!=t} z_k
 * (the competing class is picked on the host from the current logits and held fixed).
 */
export function lossAndGrad(
  model: Classifier,
  x: Tensor,
  labels: ArrayLike<number>,
  targets: ArrayLike<number> | undefined,
  loss: LossName = 'ce',
  logitsHost?: Float32Array,
): { value: Tensor; grad: Tensor } {
  if (loss === 'ce') {
    const f = (xl: Tensor): Tensor => {
      const z = model.forward(xl);
      return targets ? neg(crossEntropy(z, targets, 'sum')) : crossEntropy(z, labels, 'sum');
    };
    const { value, grads } = valueAndGrad(f)(x);
    return { value, grad: grads[0] };
  }
  if (!logitsHost) throw new Error('lossAndGrad: the margin loss needs the current logits');
  const w = marginWeights(logitsHost, x.shape[0], model.numClasses, labels, targets);
  return tidy(() => {
    const xl = detach(x);
    xl.requiresGrad = true;
    const z = model.forward(xl);
    const value = sum(mul(z, tensor(w.w, [x.shape[0], model.numClasses], x.backend)));
    const g = backward(value, { targets: [xl] }).get(xl)!;
    value.node = null;
    value.requiresGrad = false;
    return { value, grad: g };
  });
}

/**
 * Weights W with sum(z * W, -1) = z_a - z_b per row, where (untargeted) a = the
 * best class other than y, b = y; (targeted) a = t, b = the best class other than t.
 * Also returns that difference on the host (> 0 means adversarial, ties aside).
 */
export function marginWeights(
  z: Float32Array | Float64Array,
  n: number,
  k: number,
  labels: ArrayLike<number>,
  targets?: ArrayLike<number>,
): { w: Float32Array; diff: Float64Array; other: Int32Array } {
  const w = new Float32Array(n * k);
  const diff = new Float64Array(n);
  const other = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = targets ? targets[i] : labels[i];
    let best = -1,
      bv = -Infinity;
    for (let j = 0; j < k; j++)
      if (j !== c && z[i * k + j] > bv) {
        bv = z[i * k + j];
        best = j;
      }
    other[i] = best;
    if (targets) {
      w[i * k + c] = 1;
      w[i * k + best] = -1;
      diff[i] = z[i * k + c] - bv;
    } else {
      w[i * k + best] = 1;
      w[i * k + c] = -1;
      diff[i] = bv - z[i * k + c];
    }
  }
  return { w, diff, other };
}

/** L0 (|d| > 0), L1, L2, Linf of each row of delta [N, D], in float64. */
export function normsOf(delta: ArrayLike<number>, n: number, d: number): Norms {
  const l0 = new Float64Array(n),
    l1 = new Float64Array(n),
    l2 = new Float64Array(n),
    linf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      am = 0;
    for (let j = i * d, e = j + d; j < e; j++) {
      const v = Math.abs(delta[j]);
      if (v > 0) a0++;
      a1 += v;
      a2 += v * v;
      if (v > am) am = v;
    }
    l0[i] = a0;
    l1[i] = a1;
    l2[i] = Math.sqrt(a2);
    linf[i] = am;
  }
  return { l0, l1, l2, linf };
}

/** The per-example norms of one kind from a Norms record. */
export function normOf(norms: Norms, p: Norm): Float64Array {
  return p === 'linf' ? norms.linf : p === 'l2' ? norms.l2 : norms.l1;
}

/** One example's norm of a float64/float32 vector. */
export function vecNorm(v: ArrayLike<number>, p: Norm, off = 0, len = v.length): number {
  let s = 0;
  for (let j = off; j < off + len; j++) {
    const a = Math.abs(v[j]);
    if (p === 'linf') {
      if (a > s) s = a;
    } else s += p === 'l2' ? a * a : a;
  }
  return p === 'l2' ? Math.sqrt(s) : s;
}

/**
 * Build the result from the clean inputs and the adversarial inputs (host copies):
 * evaluates the model on both, and computes norms and rates.
 */
export async function finishResult(
  attack: string,
  a: AttackInputs,
  xHost: Float32Array,
  advHost: Float32Array,
  extra: { eps?: Float64Array; cleanPred?: Int32Array; advPred?: Int32Array } = {},
): Promise<AttackResult> {
  const { model, labels, targets } = a;
  const shape = [...a.x.shape];
  const n = shape[0],
    d = xHost.length / Math.max(n, 1);
  const cleanPred = extra.cleanPred ?? (await predict(model, a.x));
  let advPred = extra.advPred;
  if (!advPred) {
    const advT = tensor(advHost, shape, a.x.backend);
    try {
      advPred = await predict(model, advT);
    } finally {
      advT.dispose();
    }
  }
  const perturbation = new Float32Array(advHost.length);
  for (let j = 0; j < advHost.length; j++) perturbation[j] = advHost[j] - xHost[j];
  const cleanCorrect = new Uint8Array(n),
    isAdversarial = new Uint8Array(n),
    success = new Uint8Array(n);
  let nc = 0,
    ns = 0,
    na = 0,
    nr = 0;
  for (let i = 0; i < n; i++) {
    cleanCorrect[i] = cleanPred[i] === labels[i] ? 1 : 0;
    isAdversarial[i] = meets(advPred[i], i, labels, targets) ? 1 : 0;
    success[i] = cleanCorrect[i] & isAdversarial[i];
    nc += cleanCorrect[i];
    ns += success[i];
    na += isAdversarial[i];
    nr += advPred[i] === labels[i] ? 1 : 0;
  }
  return {
    attack,
    shape,
    adversarial: advHost,
    perturbation,
    cleanPred,
    advPred,
    cleanCorrect,
    isAdversarial,
    success,
    norms: normsOf(perturbation, n, d),
    eps: extra.eps,
    stats: {
      n,
      cleanAccuracy: n ? nc / n : 0,
      successRate: nc ? ns / nc : 0,
      adversarialRate: n ? na / n : 0,
      robustAccuracy: n ? nr / n : 0,
    },
  };
}

/** Per-example budget: a number for all, or one per example. */
export function epsArray(eps: number | ArrayLike<number>, n: number, name: string): Float64Array {
  const out = new Float64Array(n);
  if (typeof eps === 'number') out.fill(eps);
  else {
    if (eps.length !== n) throw new Error(`${name}: ${eps.length} eps values for ${n} inputs`);
    for (let i = 0; i < n; i++) out[i] = eps[i];
  }
  for (let i = 0; i < n; i++)
    if (!(out[i] >= 0) || !Number.isFinite(out[i]))
      throw new Error(`${name}: eps must be finite and >= 0, got ${out[i]} at ${i}`);
  return out;
}

/** Select rows of a host array [N, D]. */
export function takeRows(src: Float32Array, d: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(src.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return out;
}

export { keep, sub };
