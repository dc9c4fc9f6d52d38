// Attacks by name (for the CLI, experiments and the web lab), with the paper's
// settings as defaults, batched runs with progress, summaries, and a wrapper
// that puts input normalisation inside the model (attacks work in pixel space).
import type { Classifier, ForwardContext } from '../nn/types.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { div, sub } from '../../engine/ops/elementwise.ts';
import { normsOf, type AttackInputs, type AttackResult, type Norm, type ProgressFn } from './common.ts';
import { fgm, fgsm, paperPreset, pgd } from './pgd.ts';
import { brendelBethge } from './brendel-bethge.ts';
import { bestOf, minimalNormSearch } from './minimal.ts';

export const ATTACK_NAMES = [
  'pgd-linf', 'pgd-l2', 'pgd-l1', 'pgd-l1-exact', 'fgsm', 'fgm', 'bb-l2', 'bb-linf', 'min-pgd-linf', 'min-pgd-l2', 'min-pgd-l1',
  'best-l2', 'best-linf',
] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

export interface NamedAttackOptions {
  /** Budget (fixed-budget attacks) or first budget tried (min-* searches). */
  eps?: number;
  steps?: number;
  relStepsize?: number;
  absStepsize?: number;
  randomStart?: boolean;
  /** pgd-l1: the authors' exponential + binary search on eps (default true, as their code). */
  binarySearch?: boolean;
  /** Brendel-Bethge options. */
  lr?: number;
  restarts?: number;
  init?: 'data' | 'noise';
  startPool?: Tensor;
}

/** The norm an attack is measured in. */
export function attackNorm(name: AttackName): Norm {
  if (name.endsWith('linf') || name === 'fgsm') return 'linf';
  if (name.endsWith('l2') || name === 'fgm') return 'l2';
  return 'l1';
}

/**
 * Run a named attack on one batch. Defaults (D = C*H*W):
 *   pgd-linf  eps 8/255, 1000 steps, abs step 0.01, random start        (paper code)
 *   pgd-l2    eps 2.0, 1000 steps, abs step 0.4, no random start        (paper code)
 *   pgd-l1    eps 0.1*D (mean |delta| <= 0.1), 200 steps, step 0.1*eps, no random start,
 *             with the authors' search: eps *= 1.5 up to 9 times until success, then 10 bisections
 *   pgd-l1-exact  as pgd-l1 without the search, exact L1-box projection
 *   fgsm / fgm    one step of eps (default 8/255 / 2.0)
 *   bb-l2 / bb-linf  Brendel-Bethge, 1000 steps, lr 1e-3, data starting points
 *   min-pgd-*  minimal-norm search (x2 growth, 10 bisections) around PGD with `steps` (default 100)
 *              steps, relative step 0.1, margin loss, no random start; eps = first budget tried
 *   best-l2 / best-linf  per example the smaller of bb-* and min-pgd-* (same options)
 */
export async function runNamedAttack(name: AttackName, a: AttackInputs, o: NamedAttackOptions = {}): Promise<AttackResult> {
  const d = a.x.size / Math.max(1, a.x.shape[0]);
  switch (name) {
    case 'pgd-linf': case 'pgd-l2': case 'pgd-l1': case 'pgd-l1-exact': {
      const base = paperPreset(name === 'pgd-l1-exact' ? 'pgd-l1' : name, d);
      const eps = o.eps ?? (base.eps as number);
      const opts = {
        ...base, eps, steps: o.steps ?? base.steps, randomStart: o.randomStart ?? base.randomStart,
        absStepsize: o.relStepsize !== undefined ? undefined : o.absStepsize ?? (o.eps !== undefined && name.startsWith('pgd-l1') ? 0.1 * eps : base.absStepsize),
        relStepsize: o.relStepsize, name,
      };
      if (name === 'pgd-l1-exact') return pgd(a, { ...opts, projection: 'exact' });
      if (name === 'pgd-l1' && (o.binarySearch ?? true)) {
        // Foolbox 2's search keeps step/eps fixed: step = 0.1 * eps
        const rel = opts.absStepsize !== undefined ? opts.absStepsize / eps : opts.relStepsize ?? 0.1;
        return minimalNormSearch(a, (b, e) => pgd({ ...b, onProgress: undefined }, { ...opts, eps: e, absStepsize: undefined, relStepsize: rel }),
          { norm: 'l1', initEps: eps, growth: 1.5, maxExpand: 9, bisectSteps: 10, name: 'pgd-l1' });
      }
      return pgd(a, opts);
    }
    case 'fgsm': return fgsm(a, { eps: o.eps ?? 8 / 255 });
    case 'fgm': return fgm(a, { eps: o.eps ?? 2.0 });
    case 'bb-l2': case 'bb-linf':
      return brendelBethge(a, { norm: name === 'bb-l2' ? 'l2' : 'linf', steps: o.steps ?? 1000, lr: o.lr, restarts: o.restarts, init: o.init, startPool: o.startPool });
    case 'best-l2': case 'best-linf': {
      const p = name === 'best-l2' ? 'l2' : 'linf';
      const bb = await runNamedAttack(p === 'l2' ? 'bb-l2' : 'bb-linf', a, o);
      const mn = await runNamedAttack(p === 'l2' ? 'min-pgd-l2' : 'min-pgd-linf', a, { ...o, steps: undefined });
      return bestOf(a, [bb, mn], p, name);
    }
    case 'min-pgd-linf': case 'min-pgd-l2': case 'min-pgd-l1': {
      const norm = attackNorm(name);
      const init = o.eps ?? (norm === 'linf' ? 1 / 255 : norm === 'l2' ? 0.1 : 0.01 * d);
      const steps = o.steps ?? 100;
      return minimalNormSearch(a, (b, e) => pgd({ ...b, onProgress: undefined }, {
        norm, eps: e, steps, relStepsize: o.relStepsize ?? 0.1, randomStart: o.randomStart ?? false, loss: 'margin', name,
      }), { norm, initEps: init, name });
    }
  }
  throw new Error(`attack: unknown attack '${name}' (known: ${ATTACK_NAMES.join(', ')})`);
}

/**
 * Run an attack over a large host array in batches and merge the results.
 * `x` is [N * D] float32 in pixel space; the result covers all N.
 */
export async function runBatched(
  model: Classifier, x: Float32Array, labels: ArrayLike<number>, shape: readonly number[], batchSize: number,
  attack: (a: AttackInputs) => Promise<AttackResult>, opts: { name?: string; seed?: number; onProgress?: ProgressFn; bounds?: [number, number] } = {},
): Promise<AttackResult> {
  const d = shape.reduce((p, q) => p * q, 1);
  const n = labels.length;
  if (x.length !== n * d) throw new Error(`attack: ${x.length} values for ${n} inputs of shape [${shape.join(', ')}]`);
  const parts: AttackResult[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const xb = tensor(x.subarray(s * d, e * d), [e - s, ...shape]);
    try {
      parts.push(await attack({
        model, x: xb, labels: Array.from(labels).slice(s, e), seed: (opts.seed ?? 0) + s, bounds: opts.bounds,
        onProgress: opts.onProgress ? (p) => opts.onProgress!({ ...p, message: `examples ${s}-${e - 1} of ${n}${p.message ? `; ${p.message}` : ''}` }) : undefined,
      }));
    } finally { xb.dispose(); }
  }
  return mergeResults(parts, opts.name);
}

/** Concatenate per-batch results (in order) into one. */
export function mergeResults(parts: AttackResult[], name?: string): AttackResult {
  if (!parts.length) throw new Error('mergeResults: no results');
  const n = parts.reduce((p, r) => p + r.shape[0], 0);
  const cat = <A extends Float32Array | Float64Array | Int32Array | Uint8Array>(get: (r: AttackResult) => A, make: new (len: number) => A): A => {
    const out = new make(parts.reduce((p, r) => p + get(r).length, 0));
    let o = 0;
    for (const r of parts) { out.set(get(r) as never, o); o += get(r).length; }
    return out;
  };
  const success = cat((r) => r.success, Uint8Array), cleanCorrect = cat((r) => r.cleanCorrect, Uint8Array), isAdversarial = cat((r) => r.isAdversarial, Uint8Array);
  const advPred = cat((r) => r.advPred, Int32Array), cleanPred = cat((r) => r.cleanPred, Int32Array);
  const nc = cleanCorrect.reduce((p, q) => p + q, 0), ns = success.reduce((p, q) => p + q, 0), na = isAdversarial.reduce((p, q) => p + q, 0);
  const robust = parts.reduce((p, r) => p + r.stats.robustAccuracy * r.shape[0], 0);
  return {
    attack: name ?? parts[0].attack, shape: [n, ...parts[0].shape.slice(1)],
    adversarial: cat((r) => r.adversarial, Float32Array), perturbation: cat((r) => r.perturbation, Float32Array),
    cleanPred, advPred, cleanCorrect, isAdversarial, success,
    norms: { l0: cat((r) => r.norms.l0, Float64Array), l1: cat((r) => r.norms.l1, Float64Array), l2: cat((r) => r.norms.l2, Float64Array), linf: cat((r) => r.norms.linf, Float64Array) },
    eps: parts.every((r) => r.eps) ? cat((r) => r.eps!, Float64Array) : undefined,
    stats: { n, cleanAccuracy: nc / n, successRate: nc ? ns / nc : 0, adversarialRate: na / n, robustAccuracy: robust / n },
  };
}

export interface NormSummary { count: number; mean: number; median: number; min: number; max: number }
export interface AttackSummary {
  n: number;
  cleanAccuracy: number;
  successRate: number;
  adversarialRate: number;
  robustAccuracy: number;
  successes: number;
  correct: number;
  /** Norm statistics over the successful examples. */
  norms: Record<'l0' | 'l1' | 'l2' | 'linf', NormSummary>;
}

function stats(v: number[]): NormSummary {
  if (!v.length) return { count: 0, mean: NaN, median: NaN, min: NaN, max: NaN };
  const s = [...v].sort((p, q) => p - q);
  const m = s.length >> 1;
  return { count: s.length, mean: s.reduce((p, q) => p + q, 0) / s.length, median: s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]), min: s[0], max: s[s.length - 1] };
}

export function summarize(r: AttackResult): AttackSummary {
  const n = r.shape[0];
  const idx = [...Array(n).keys()].filter((i) => r.success[i]);
  const pick = (a: Float64Array): number[] => idx.map((i) => a[i]);
  return {
    n, cleanAccuracy: r.stats.cleanAccuracy, successRate: r.stats.successRate, adversarialRate: r.stats.adversarialRate,
    robustAccuracy: r.stats.robustAccuracy, successes: idx.length, correct: r.cleanCorrect.reduce((p, q) => p + q, 0),
    norms: { l0: stats(pick(r.norms.l0)), l1: stats(pick(r.norms.l1)), l2: stats(pick(r.norms.l2)), linf: stats(pick(r.norms.linf)) },
  };
}

/** A classifier that normalises pixel-space inputs ((x - mean_c) / std_c) before the wrapped model. */
export class NormalizedClassifier implements Classifier {
  readonly spec: string;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  private mean: Tensor;
  private std: Tensor;
  constructor(readonly inner: Classifier, mean: number[], std: number[]) {
    this.spec = inner.spec; this.numClasses = inner.numClasses; this.inputShape = inner.inputShape;
    const c = inner.inputShape[0];
    if (mean.length !== c || std.length !== c) throw new Error(`NormalizedClassifier: ${mean.length} means / ${std.length} stds for ${c} channels`);
    this.mean = tensor(mean, [1, c, 1, 1]);
    this.std = tensor(std, [1, c, 1, 1]);
  }
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    return this.inner.forward(div(sub(x, this.mean), this.std), ctx);
  }
  parameters(): Map<string, Tensor> { return this.inner.parameters(); }
  setTraining(on: boolean): void { this.inner.setTraining(on); }
}

export { normsOf };
