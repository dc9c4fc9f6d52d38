// The attack registry: every attack by name with its defaults (one table for the CLI,
// the experiments and the web lab), the paper's
// settings as defaults, batched runs with progress, summaries, and a wrapper
// that puts input normalisation inside the model (attacks work in pixel space).
import type { Classifier, ForwardContext } from '../nn/types.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { div, sub } from '../../engine/ops/elementwise.ts';
import { normsOf, type AttackInputs, type AttackResult, type Norm, type ProgressFn } from './common.ts';
import { fgm, fgsm, paperPreset, pgd } from './pgd.ts';
import { apgd, apgdTargeted } from './apgd.ts';
import { squareAttack } from './square.ts';
import { evaluateRobustness } from './evaluate.ts';
import { brendelBethge } from './brendel-bethge.ts';
import { bestOf, minimalNormSearch } from './minimal.ts';

/** Options a named attack accepts (each preset uses the ones that apply): budget, steps, step size, random start, binary search, trust-region rate, restarts, starting points, target classes. */
export interface NamedAttackOptions {
  /** Budget (fixed-budget attacks; one value or one per example) or first budget tried (minimal-norm searches). */
  eps?: number | ArrayLike<number>;
  /** Iterations (Square: queries). */
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
  /** APGD-T and the ensemble: target classes tried (default 9, capped at K - 1). */
  targetClasses?: number;
}

/** A named attack with its defaults: the one table the CLI, the experiments and the web lab share. */
export interface AttackPreset {
  name: string;
  norm: Norm;
  /**
   * 'fixed': eps is the radius (a list of eps gives a robust-accuracy curve);
   * 'minimal': searches the smallest adversarial (eps, if given, is the first budget tried).
   */
  kind: 'fixed' | 'minimal';
  /** Defaults and meaning, one line (shown by --help and docs/attacks.md). */
  summary: string;
  /** Offered in the web lab's menu. */
  web?: boolean;
  run(a: AttackInputs, o: NamedAttackOptions): Promise<AttackResult>;
}

const dOf = (a: AttackInputs): number => a.x.size / Math.max(1, a.x.shape[0]);
const scalarEps = (e: number | ArrayLike<number>): number | undefined => (typeof e === 'number' ? e : undefined);

/** The paper's PGD presets, with the CLI's overrides. */
function paperPgd(
  name: 'pgd-linf' | 'pgd-l2' | 'pgd-l1' | 'pgd-l1-exact',
  a: AttackInputs,
  o: NamedAttackOptions,
): Promise<AttackResult> {
  const l1 = name.startsWith('pgd-l1');
  const base = paperPreset(l1 ? 'pgd-l1' : (name as 'pgd-linf' | 'pgd-l2'), dOf(a));
  const eps = o.eps ?? (base.eps as number);
  // pgd-l1 keeps the authors' step of 0.1 eps when eps is changed
  const absStepsize =
    o.relStepsize !== undefined
      ? undefined
      : (o.absStepsize ??
        (o.eps !== undefined && l1
          ? scalarEps(eps) !== undefined
            ? 0.1 * scalarEps(eps)!
            : undefined
          : base.absStepsize));
  const relStepsize = o.relStepsize ?? (absStepsize === undefined && l1 ? 0.1 : undefined);
  const opts = {
    ...base,
    eps,
    steps: o.steps ?? base.steps,
    randomStart: o.randomStart ?? base.randomStart,
    absStepsize,
    relStepsize,
    name,
  };
  if (name === 'pgd-l1-exact') return pgd(a, { ...opts, projection: 'exact' });
  if (name === 'pgd-l1' && (o.binarySearch ?? true)) {
    const e0 = scalarEps(eps);
    if (e0 === undefined)
      throw new Error('pgd-l1: the search starts from one eps; give binarySearch: false for per-example budgets');
    // Foolbox 2's search keeps step/eps fixed
    const rel = opts.absStepsize !== undefined ? opts.absStepsize / e0 : (opts.relStepsize ?? 0.1);
    return minimalNormSearch(
      a,
      (b, e) => pgd({ ...b, onProgress: undefined }, { ...opts, eps: e, absStepsize: undefined, relStepsize: rel }),
      { norm: 'l1', initEps: e0, growth: 1.5, maxExpand: 9, bisectSteps: 10, name: 'pgd-l1' },
    );
  }
  return pgd(a, opts);
}

function minPgd(name: string, norm: Norm, a: AttackInputs, o: NamedAttackOptions): Promise<AttackResult> {
  const init = scalarEps(o.eps ?? NaN) ?? NaN;
  const first = Number.isFinite(init) ? init : norm === 'linf' ? 1 / 255 : norm === 'l2' ? 0.1 : 0.01 * dOf(a);
  return minimalNormSearch(
    a,
    (b, e) =>
      pgd(
        { ...b, onProgress: undefined },
        {
          norm,
          eps: e,
          steps: o.steps ?? 100,
          relStepsize: o.relStepsize ?? 0.1,
          randomStart: o.randomStart ?? false,
          loss: 'margin',
          name,
        },
      ),
    { norm, initEps: first, name },
  );
}

const APGD_EPS = { linf: 8 / 255, l2: 0.5 } as const;
const apgdPreset = (loss: 'ce' | 'dlr', norm: 'linf' | 'l2'): AttackPreset => ({
  name: `apgd-${loss}-${norm}`,
  norm,
  kind: 'fixed',
  web: loss === 'ce' && norm === 'linf',
  summary: `APGD (Croce & Hein 2020), ${loss === 'ce' ? 'cross-entropy' : 'DLR'} loss; eps ${norm === 'linf' ? '8/255' : '0.5'}, 100 steps, 1 restart, random start`,
  run: (a, o) =>
    apgd(a, {
      norm,
      loss,
      eps: o.eps ?? APGD_EPS[norm],
      steps: o.steps ?? 100,
      restarts: o.restarts ?? 1,
      randomStart: o.randomStart,
      name: `apgd-${loss}-${norm}`,
    }),
});

/** The attack registry: every named preset (the CLI's --attack, the experiments and the web lab use it), with its norm, kind and run function. */
export const ATTACKS: readonly AttackPreset[] = [
  {
    name: 'pgd-linf',
    norm: 'linf',
    kind: 'fixed',
    web: true,
    summary: 'PGD, the paper: eps 8/255, 1000 steps, absolute step 0.01, random start',
    run: (a, o) => paperPgd('pgd-linf', a, o),
  },
  {
    name: 'pgd-l2',
    norm: 'l2',
    kind: 'fixed',
    web: true,
    summary: 'PGD, the paper: eps 2.0, 1000 steps, absolute step 0.4, no random start',
    run: (a, o) => paperPgd('pgd-l2', a, o),
  },
  {
    name: 'pgd-l1',
    norm: 'l1',
    kind: 'minimal',
    web: true,
    summary:
      "PGD-L1, the authors' code: eps 0.1 D (mean |delta| <= 0.1), 200 steps, step 0.1 eps, eps x1.5 up to 9 times until success, then 10 bisections (binarySearch: false: one budget)",
    run: (a, o) => paperPgd('pgd-l1', a, o),
  },
  {
    name: 'pgd-l1-exact',
    norm: 'l1',
    kind: 'fixed',
    web: true,
    summary: 'as pgd-l1 at one budget, with the exact projection onto the L1 ball and the box',
    run: (a, o) => paperPgd('pgd-l1-exact', a, o),
  },
  {
    name: 'fgsm',
    norm: 'linf',
    kind: 'fixed',
    web: true,
    summary: 'one sign step of eps (default 8/255)',
    run: (a, o) => fgsm(a, { eps: o.eps ?? 8 / 255 }),
  },
  {
    name: 'fgm',
    norm: 'l2',
    kind: 'fixed',
    summary: 'one normalised gradient step of eps (default 2.0)',
    run: (a, o) => fgm(a, { eps: o.eps ?? 2.0 }),
  },
  apgdPreset('ce', 'linf'),
  apgdPreset('ce', 'l2'),
  apgdPreset('dlr', 'linf'),
  apgdPreset('dlr', 'l2'),
  ...(['linf', 'l2'] as const).map((norm): AttackPreset => ({
    name: `apgd-t-${norm}`,
    norm,
    kind: 'fixed',
    summary: `APGD-T: targeted DLR runs on the 9 most likely other classes, eps ${norm === 'linf' ? '8/255' : '0.5'}, 100 steps each`,
    run: (a, o) =>
      apgdTargeted(a, {
        norm,
        eps: o.eps ?? APGD_EPS[norm],
        steps: o.steps ?? 100,
        restarts: o.restarts ?? 1,
        targetClasses: o.targetClasses,
        randomStart: o.randomStart,
        name: `apgd-t-${norm}`,
      }),
  })),
  ...(['linf', 'l2'] as const).map((norm): AttackPreset => ({
    name: `square-${norm}`,
    norm,
    kind: 'fixed',
    web: norm === 'linf',
    summary: `Square (score-based, no gradients): eps ${norm === 'linf' ? '8/255' : '0.5'}, 1000 queries (steps), p_init 0.8`,
    run: (a, o) =>
      squareAttack(a, { norm, eps: o.eps ?? APGD_EPS[norm], queries: o.steps ?? 1000, name: `square-${norm}` }),
  })),
  ...(['linf', 'l2'] as const).map((norm): AttackPreset => ({
    name: `ensemble-${norm}`,
    norm,
    kind: 'fixed',
    summary:
      'worst case per image over APGD-CE, APGD-T (DLR), Square and Brendel-Bethge from the best start; the CLI adds the sanity checks',
    run: async (a, o) => {
      const e = scalarEps(o.eps ?? APGD_EPS[norm]);
      if (e === undefined) throw new Error(`ensemble-${norm}: one eps for all examples`);
      return (
        await evaluateRobustness(a, {
          norm,
          eps: [e],
          steps: o.steps,
          restarts: o.restarts,
          targetClasses: o.targetClasses,
          checks: false,
        })
      ).worst;
    },
  })),
  ...(['l2', 'linf'] as const).map((norm): AttackPreset => ({
    name: `bb-${norm}`,
    norm,
    kind: 'minimal',
    web: true,
    summary: 'Brendel-Bethge (minimal norm): 1000 steps, lr 1e-3, starting points from other data',
    run: (a, o) =>
      brendelBethge(a, {
        norm,
        steps: o.steps ?? 1000,
        lr: o.lr,
        restarts: o.restarts,
        init: o.init,
        startPool: o.startPool,
      }),
  })),
  ...(['linf', 'l2', 'l1'] as const).map((norm): AttackPreset => ({
    name: `min-pgd-${norm}`,
    norm,
    kind: 'minimal',
    summary:
      'minimal-norm search (x2 growth, 10 bisections) around PGD with 100 steps, relative step 0.1, margin loss; eps = first budget tried',
    run: (a, o) => minPgd(`min-pgd-${norm}`, norm, a, o),
  })),
  ...(['l2', 'linf'] as const).map((norm): AttackPreset => ({
    name: `best-${norm}`,
    norm,
    kind: 'minimal',
    summary: `per example the smaller of bb-${norm} and min-pgd-${norm}`,
    run: async (a, o) =>
      bestOf(
        a,
        [await presetOf(`bb-${norm}`).run(a, o), await presetOf(`min-pgd-${norm}`).run(a, { ...o, steps: undefined })],
        norm,
        `best-${norm}`,
      ),
  })),
];

/** Shorter or older spellings, accepted with a notice. */
export const ATTACK_ALIASES: Readonly<Record<string, string>> = {
  pgd: 'pgd-linf',
  apgd: 'apgd-ce-linf',
  'apgd-ce': 'apgd-ce-linf',
  'apgd-dlr': 'apgd-dlr-linf',
  'apgd-t': 'apgd-t-linf',
  'apgd-linf': 'apgd-ce-linf',
  'apgd-l2': 'apgd-ce-l2',
  square: 'square-linf',
  bb: 'bb-l2',
  ensemble: 'ensemble-linf',
  autoattack: 'ensemble-linf',
  'fgsm-linf': 'fgsm',
  'fgm-l2': 'fgm',
};

/** The names of the presets in ATTACKS. */
export const ATTACK_NAMES: readonly string[] = ATTACKS.map((p) => p.name);
/** A preset name (one of ATTACK_NAMES; checked at run time). */
export type AttackName = string;

function presetOf(name: string): AttackPreset {
  const p = ATTACKS.find((q) => q.name === name);
  if (!p) throw new Error(`attack: unknown attack '${name}' (known: ${ATTACK_NAMES.join(', ')})`);
  return p;
}

/** The preset for a name or alias; `notice` says when an alias was used. */
export function resolveAttack(name: string): { preset: AttackPreset; notice?: string } {
  const canon = ATTACK_ALIASES[name];
  if (canon) return { preset: presetOf(canon), notice: `attack '${name}' is read as '${canon}' (write '${canon}')` };
  return { preset: presetOf(name) };
}

/** The norm an attack is measured in. */
export function attackNorm(name: string): Norm {
  return resolveAttack(name).preset.norm;
}

/** Run a named attack (or alias) on one batch with the preset's defaults; see ATTACKS for each. */
export async function runNamedAttack(name: string, a: AttackInputs, o: NamedAttackOptions = {}): Promise<AttackResult> {
  return resolveAttack(name).preset.run(a, o);
}

/**
 * Run an attack over a large host array in batches and merge the results.
 * `x` is [N * D] float32 in pixel space; the result covers all N.
 */
export async function runBatched(
  model: Classifier,
  x: Float32Array,
  labels: ArrayLike<number>,
  shape: readonly number[],
  batchSize: number,
  attack: (a: AttackInputs) => Promise<AttackResult>,
  opts: { name?: string; seed?: number; onProgress?: ProgressFn; bounds?: [number, number] } = {},
): Promise<AttackResult> {
  const d = shape.reduce((p, q) => p * q, 1);
  const n = labels.length;
  if (x.length !== n * d) throw new Error(`attack: ${x.length} values for ${n} inputs of shape [${shape.join(', ')}]`);
  const parts: AttackResult[] = [];
  const nb = Math.ceil(n / batchSize);
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const xb = tensor(x.subarray(s * d, e * d), [e - s, ...shape]);
    try {
      parts.push(
        await attack({
          model,
          x: xb,
          labels: Array.from(labels).slice(s, e),
          seed: (opts.seed ?? 0) + s,
          bounds: opts.bounds,
          // progress over the whole run: batch b of nb contributes done + b * total
          onProgress: opts.onProgress
            ? (p) =>
                opts.onProgress!({
                  ...p,
                  done: (s / batchSize) * p.total + p.done,
                  total: nb * p.total,
                  message: `examples ${s}-${e - 1} of ${n}${p.message ? `; ${p.message}` : ''}`,
                })
            : undefined,
        }),
      );
    } finally {
      xb.dispose();
    }
  }
  return mergeResults(parts, opts.name);
}

/** Concatenate per-batch results (in order) into one. */
export function mergeResults(parts: AttackResult[], name?: string): AttackResult {
  if (!parts.length) throw new Error('mergeResults: no results');
  const n = parts.reduce((p, r) => p + r.shape[0], 0);
  const cat = <A extends Float32Array | Float64Array | Int32Array | Uint8Array>(
    get: (r: AttackResult) => A,
    make: new (len: number) => A,
  ): A => {
    const out = new make(parts.reduce((p, r) => p + get(r).length, 0));
    let o = 0;
    for (const r of parts) {
      out.set(get(r) as never, o);
      o += get(r).length;
    }
    return out;
  };
  const success = cat((r) => r.success, Uint8Array),
    cleanCorrect = cat((r) => r.cleanCorrect, Uint8Array),
    isAdversarial = cat((r) => r.isAdversarial, Uint8Array);
  const advPred = cat((r) => r.advPred, Int32Array),
    cleanPred = cat((r) => r.cleanPred, Int32Array);
  const nc = cleanCorrect.reduce((p, q) => p + q, 0),
    ns = success.reduce((p, q) => p + q, 0),
    na = isAdversarial.reduce((p, q) => p + q, 0);
  const robust = parts.reduce((p, r) => p + r.stats.robustAccuracy * r.shape[0], 0);
  return {
    attack: name ?? parts[0].attack,
    shape: [n, ...parts[0].shape.slice(1)],
    adversarial: cat((r) => r.adversarial, Float32Array),
    perturbation: cat((r) => r.perturbation, Float32Array),
    cleanPred,
    advPred,
    cleanCorrect,
    isAdversarial,
    success,
    norms: {
      l0: cat((r) => r.norms.l0, Float64Array),
      l1: cat((r) => r.norms.l1, Float64Array),
      l2: cat((r) => r.norms.l2, Float64Array),
      linf: cat((r) => r.norms.linf, Float64Array),
    },
    eps: parts.every((r) => r.eps) ? cat((r) => r.eps!, Float64Array) : undefined,
    stats: {
      n,
      cleanAccuracy: nc / n,
      successRate: nc ? ns / nc : 0,
      adversarialRate: na / n,
      robustAccuracy: robust / n,
    },
  };
}

/** Count, mean, median, min and max of one norm over the successful examples. */
export interface NormSummary {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}
/** The summary of an attack result written to summary.json: accuracy, success and robust rates, norm statistics. */
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
  return {
    count: s.length,
    mean: s.reduce((p, q) => p + q, 0) / s.length,
    median: s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]),
    min: s[0],
    max: s[s.length - 1],
  };
}

/** Summarise an attack result: clean accuracy, success rate, robust accuracy, norm statistics over the successful examples. */
export function summarize(r: AttackResult): AttackSummary {
  const n = r.shape[0];
  const idx = [...Array(n).keys()].filter((i) => r.success[i]);
  const pick = (a: Float64Array): number[] => idx.map((i) => a[i]);
  return {
    n,
    cleanAccuracy: r.stats.cleanAccuracy,
    successRate: r.stats.successRate,
    adversarialRate: r.stats.adversarialRate,
    robustAccuracy: r.stats.robustAccuracy,
    successes: idx.length,
    correct: r.cleanCorrect.reduce((p, q) => p + q, 0),
    norms: {
      l0: stats(pick(r.norms.l0)),
      l1: stats(pick(r.norms.l1)),
      l2: stats(pick(r.norms.l2)),
      linf: stats(pick(r.norms.linf)),
    },
  };
}

/** A classifier that normalises pixel-space inputs ((x - mean_c) / std_c) before the wrapped model. */
export class NormalizedClassifier implements Classifier {
  readonly spec: string;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  private mean: Tensor;
  private std: Tensor;
  constructor(
    readonly inner: Classifier,
    mean: number[],
    std: number[],
  ) {
    this.spec = inner.spec;
    this.numClasses = inner.numClasses;
    this.inputShape = inner.inputShape;
    const c = inner.inputShape[0];
    if (mean.length !== c || std.length !== c)
      throw new Error(`NormalizedClassifier: ${mean.length} means / ${std.length} stds for ${c} channels`);
    this.mean = tensor(mean, [1, c, 1, 1]);
    this.std = tensor(std, [1, c, 1, 1]);
  }
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    return this.inner.forward(div(sub(x, this.mean), this.std), ctx);
  }
  parameters(): Map<string, Tensor> {
    return this.inner.parameters();
  }
  setTraining(on: boolean): void {
    this.inner.setTraining(on);
  }
}

export { normsOf };
