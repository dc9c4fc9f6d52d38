// A robustness evaluation a reviewer can trust: a small ensemble of diverse
// attacks (APGD-CE, APGD-T with the DLR loss, Square, then Brendel-Bethge from
// the best start), the worst case per image, a robust-accuracy curve over a
// list of budgets, and the standard gradient-masking sanity checks
// (Carlini et al. 2019, "On evaluating adversarial robustness"; Croce and Hein 2020).
// Each budget is evaluated from scratch (no result is carried from a smaller
// eps), so that "robust accuracy falls with eps" is a real check.
import { tensor } from '../../engine/ops/creation.ts';
import {
  checkInputs,
  finishResult,
  normOf,
  predict,
  type AttackInputs,
  type AttackResult,
  type ProgressFn,
} from './common.ts';
import { apgd, apgdTargeted } from './apgd.ts';
import { squareAttack } from './square.ts';
import { brendelBethge } from './brendel-bethge.ts';

/** Options of the robustness ensemble: norm, budgets, APGD iterations, restarts and target classes, Square queries, Brendel-Bethge steps, the sanity checks and their large budget. */
export interface EnsembleOptions {
  norm: 'linf' | 'l2';
  /** Budgets, any order (sorted ascending in the result). */
  eps: number[];
  /** APGD iterations (default 100) and restarts (default 1). */
  steps?: number;
  restarts?: number;
  /** APGD-T target classes (default 9, capped at K - 1). */
  targetClasses?: number;
  /** Square queries (default 1000). */
  queries?: number;
  /** Brendel-Bethge iterations (default 200); 0 skips it (and the unbounded-attack check). */
  bbSteps?: number;
  /** The budget at which robust accuracy must reach 0 (default linf 0.5, l2 0.5 sqrt(D)). */
  largeEps?: number;
  /** Run the sanity checks (default true). */
  checks?: boolean;
  /** Images per attack call (default: all at once). */
  batchSize?: number;
}

/** One gradient-masking sanity check: its name, whether it passed, and the numbers behind it. */
export interface SanityCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** Robust accuracy at one budget: the worst case over the ensemble and after each attack in order. */
export interface EnsembleCurvePoint {
  eps: number;
  /** Worst case over the ensemble (including Brendel-Bethge's minimal norm). */
  robustAccuracy: number;
  /** Robust accuracy after each attack in order (cumulative: each attack runs on the images still robust). */
  after: { attack: string; robustAccuracy: number }[];
}

/** The robustness evaluation: clean accuracy, the robust-accuracy curve over the budgets, per-image robustness, sanity checks. */
export interface EnsembleResult {
  norm: 'linf' | 'l2';
  n: number;
  cleanAccuracy: number;
  curve: EnsembleCurvePoint[];
  /** Per budget, 1 where the image is correctly classified and no attack broke it. */
  robust: Uint8Array[];
  /** Brendel-Bethge's minimal adversarial norm per image (0 if misclassified, +inf where none was found). */
  minNorm: Float64Array;
  /** The worst-case result at the largest budget (the adversarial of the attack that broke each image). */
  worst: AttackResult;
  checks: SanityCheck[];
  seconds: number;
}

/** Parse '1/255,2/255,0.03' (fractions allowed) into numbers. */
export function parseEpsList(s: string): number[] {
  const out = s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const m = /^([0-9.eE+-]+)(?:\/([0-9.eE+-]+))?$/.exec(t);
      const v = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
      if (!Number.isFinite(v) || v < 0)
        throw new Error(`eps: '${t}' is not a non-negative number or fraction (e.g. 8/255)`);
      return v;
    });
  if (!out.length) throw new Error(`eps: no value in '${s}'`);
  return out;
}

/** What the evaluation keeps of an attack run on some rows. */
interface Rows {
  advPred: Int32Array;
  adversarial: Float32Array;
  norm: Float64Array;
  isAdversarial: Uint8Array;
}

/** Rows idx of the inputs as a new batch. */
function subset(a: AttackInputs, x0: Float32Array, d: number, idx: number[]): AttackInputs {
  const x = tensor(
    Float32Array.from(idx.flatMap((i) => Array.from(x0.subarray(i * d, (i + 1) * d)))),
    [idx.length, ...a.x.shape.slice(1)],
    a.x.backend,
  );
  return { ...a, x, labels: idx.map((i) => a.labels[i]), targets: undefined, onProgress: undefined };
}

/**
 * The ensemble at each budget, the worst case per image, and the sanity checks.
 * Square needs images [N, C, H, W]; on other inputs it is left out (said in the result).
 */
export async function evaluateRobustness(
  a: AttackInputs,
  o: EnsembleOptions,
  onProgress?: ProgressFn,
): Promise<EnsembleResult> {
  const t0 = performance.now();
  const { n, d } = checkInputs('ensemble', a);
  if (a.targets) throw new Error('ensemble: untargeted only; give no targets');
  if (!o.eps.length) throw new Error('ensemble: give at least one eps');
  const eps = [...o.eps].sort((p, q) => p - q);
  const norm = o.norm,
    steps = o.steps ?? 100,
    restarts = o.restarts ?? 1,
    queries = o.queries ?? 1000,
    bbSteps = o.bbSteps ?? 200;
  const largeEps = o.largeEps ?? (norm === 'linf' ? 0.5 : 0.5 * Math.sqrt(d));
  const images = a.x.rank === 4;
  a.model.setTraining(false);
  const x0 = await a.x.data();
  // clean predictions in batches too (a large N need not fit one forward pass)
  const cleanPred = new Int32Array(n);
  for (let s = 0, bs = Math.max(1, o.batchSize ?? n); s < n; s += bs) {
    const b = subset(
      a,
      x0,
      d,
      [...Array(Math.min(bs, n - s)).keys()].map((q) => s + q),
    );
    try {
      cleanPred.set(await predict(a.model, b.x), s);
    } finally {
      b.x.dispose();
    }
  }
  const correct = [...Array(n).keys()].filter((i) => cleanPred[i] === a.labels[i]);
  // the smallest-norm adversarial seen per image (BB's start)
  const bestAdv = new Float32Array(n * d),
    bestNorm = new Float64Array(n).fill(Infinity);
  const record = (r: Rows, idx: number[]): void => {
    idx.forEach((i, q) => {
      if (r.advPred[q] !== a.labels[i] && r.norm[q] < bestNorm[i]) {
        bestNorm[i] = r.norm[q];
        bestAdv.set(r.adversarial.subarray(q * d, (q + 1) * d), i * d);
      }
    });
  };
  // an attack on rows idx, in batches of batchSize
  const onRows = async (fn: (b: AttackInputs, s: number) => Promise<AttackResult>, idx: number[]): Promise<Rows> => {
    const bs = Math.max(1, o.batchSize ?? idx.length);
    const out: Rows = {
      advPred: new Int32Array(idx.length),
      adversarial: new Float32Array(idx.length * d),
      norm: new Float64Array(idx.length),
      isAdversarial: new Uint8Array(idx.length),
    };
    for (let s = 0; s < idx.length; s += bs) {
      const b = subset(a, x0, d, idx.slice(s, s + bs));
      try {
        const r = await fn(b, s);
        out.advPred.set(r.advPred, s);
        out.adversarial.set(r.adversarial, s * d);
        out.norm.set(normOf(r.norms, norm), s);
        out.isAdversarial.set(r.isAdversarial, s);
      } finally {
        b.x.dispose();
      }
    }
    return out;
  };
  const names = ['apgd-ce', 'apgd-t', ...(images ? ['square'] : [])];
  const total = eps.length * names.length + 2;
  let done = 0;
  const tick = (what: string): void => {
    done++;
    onProgress?.({ attack: 'ensemble', done, total, message: what });
  };
  const run = (name: string, idx: number[], e: number, k: number): Promise<Rows> =>
    onRows((b, s) => one(name, b, e, (a.seed ?? 0) + 31 * k + s), idx);
  const one = (name: string, b: AttackInputs, e: number, seed: number): Promise<AttackResult> => {
    if (name === 'apgd-ce') return apgd({ ...b, seed }, { norm, eps: e, steps, restarts, loss: 'ce' });
    if (name === 'apgd-t')
      return apgdTargeted({ ...b, seed }, { norm, eps: e, steps, restarts, targetClasses: o.targetClasses });
    if (name === 'apgd-ce-long') return apgd({ ...b, seed }, { norm, eps: e, steps: 4 * steps, restarts, loss: 'ce' });
    return squareAttack({ ...b, seed }, { norm, eps: e, queries });
  };
  const robust: Uint8Array[] = [],
    curve: EnsembleCurvePoint[] = [];
  const brokenBy: Record<string, number>[] = [];
  let worstAdv = Float32Array.from(x0);
  for (const [k, e] of eps.entries()) {
    const rob = new Uint8Array(n);
    for (const i of correct) rob[i] = 1;
    const after: EnsembleCurvePoint['after'] = [];
    const counts: Record<string, number> = {};
    const adv = Float32Array.from(x0);
    for (const name of names) {
      const idx = correct.filter((i) => rob[i]);
      counts[name] = 0;
      if (idx.length && e > 0) {
        const r = await run(name, idx, e, k);
        record(r, idx);
        idx.forEach((i, q) => {
          if (r.advPred[q] !== a.labels[i]) {
            rob[i] = 0;
            counts[name]++;
            adv.set(r.adversarial.subarray(q * d, (q + 1) * d), i * d);
          }
        });
      }
      after.push({ attack: name, robustAccuracy: rob.reduce((p, v) => p + v, 0) / n });
      tick(`eps ${e.toPrecision(3)}: ${name}`);
    }
    robust.push(rob);
    curve.push({ eps: e, robustAccuracy: 0, after });
    brokenBy.push(counts);
    if (k === eps.length - 1) worstAdv = adv;
  }
  // checks that need more attack runs: a large budget, and 4x the steps at the largest budget
  const checks: SanityCheck[] = [];
  const doChecks = o.checks ?? true;
  let largeRobust = NaN,
    longExtra = NaN;
  if (doChecks && correct.length) {
    const r = await onRows(
      (b, s) => apgd({ ...b, seed: (a.seed ?? 0) + 99 + s }, { norm, eps: largeEps, steps, loss: 'ce' }),
      correct,
    );
    record(r, correct);
    largeRobust = correct.filter((i, q) => r.advPred[q] === a.labels[i]).length / n;
    tick('large eps');
    // APGD-CE at the largest budget with 1x and 4x the steps (same seeds)
    const last = eps.length - 1;
    const short = await run('apgd-ce', correct, eps[last], last);
    const long = await run('apgd-ce-long', correct, eps[last], last);
    record(long, correct);
    const broken = (x: Rows): number => correct.filter((i, q) => x.advPred[q] !== a.labels[i]).length;
    longExtra = (broken(long) - broken(short)) / n;
    tick('4x steps');
  } else {
    done += 2;
  }
  // Brendel-Bethge, unbounded, from the best start: the closest adversarial found, else another
  // input of the batch that the model assigns to a different class
  const minNorm = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) if (cleanPred[i] !== a.labels[i]) minNorm[i] = 0;
  if (bbSteps > 0 && correct.length) {
    const start = new Float32Array(correct.length * d);
    const usable: number[] = [];
    correct.forEach((i, q) => {
      if (bestNorm[i] < Infinity) {
        start.set(bestAdv.subarray(i * d, (i + 1) * d), q * d);
        usable.push(q);
        return;
      }
      const j = [...Array(n).keys()].find((m) => cleanPred[m] !== a.labels[i]);
      if (j !== undefined) {
        start.set(x0.subarray(j * d, (j + 1) * d), q * d);
        usable.push(q);
      }
    });
    const idx = usable.map((q) => correct[q]);
    if (idx.length) {
      const sp = new Float32Array(idx.length * d);
      usable.forEach((q, r) => sp.set(start.subarray(q * d, (q + 1) * d), r * d));
      const r = await onRows(
        (b, s) =>
          brendelBethge(
            { ...b, seed: a.seed },
            { norm, steps: bbSteps, startingPoints: sp.slice(s * d, (s + b.labels.length) * d) },
          ),
        idx,
      );
      idx.forEach((i, q) => {
        if (r.isAdversarial[q]) minNorm[i] = Math.min(r.norm[q], bestNorm[i]);
        else if (bestNorm[i] < Infinity) minNorm[i] = bestNorm[i];
      });
    }
  } else for (const i of correct) minNorm[i] = bestNorm[i];
  // BB's minimal norm joins the worst case: an image with a smaller adversarial than eps is not robust
  const bbExtra: number[] = [];
  for (const [k, e] of eps.entries()) {
    let extra = 0;
    for (const i of correct)
      if (robust[k][i] && minNorm[i] <= e * (1 + 1e-6)) {
        robust[k][i] = 0;
        extra++;
      }
    bbExtra.push(extra);
    curve[k].robustAccuracy = robust[k].reduce((p, v) => p + v, 0) / n;
    if (bbSteps > 0) curve[k].after.push({ attack: 'brendel-bethge', robustAccuracy: curve[k].robustAccuracy });
  }
  const ra = curve.map((c) => c.robustAccuracy);
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const slack = Math.max(1, Math.round(0.01 * n));
  const cleanAccuracy = correct.length / n;
  if (doChecks) {
    const mono = ra.every((v, k) => k === 0 || v <= ra[k - 1]);
    checks.push({
      name: 'robust accuracy falls with eps',
      pass: mono && (cleanAccuracy === 0 || ra[ra.length - 1] < cleanAccuracy),
      detail: `clean ${pct(cleanAccuracy)} -> ${ra.map(pct).join(' -> ')} (non-increasing, and below clean accuracy at the largest eps)`,
    });
    checks.push({
      name: 'robust accuracy reaches 0 at a large eps',
      pass: largeRobust === 0,
      detail: `APGD-CE at eps ${largeEps.toPrecision(3)}: ${pct(largeRobust)}`,
    });
    if (bbSteps > 0) {
      const found = correct.filter((i) => minNorm[i] < Infinity).length;
      checks.push({
        name: 'the unbounded attack succeeds',
        pass: found === correct.length,
        detail: `Brendel-Bethge found an adversarial for ${found} of ${correct.length} correctly classified images`,
      });
    }
    checks.push({
      name: 'more steps do not help much',
      pass: longExtra * n <= slack,
      detail: `APGD-CE with ${4 * steps} instead of ${steps} steps at eps ${eps[eps.length - 1].toPrecision(3)} breaks ${(longExtra * n).toFixed(0)} more images (allowed ${slack})`,
    });
    if (images) {
      const sq = brokenBy.map((c) => c.square ?? 0);
      checks.push({
        name: 'the black-box attack does not beat the white-box ones',
        pass: sq.every((v) => v <= slack),
        detail: `Square breaks ${sq.join(', ')} images that APGD-CE and APGD-T left robust (allowed ${slack} per eps)`,
      });
    }
    if (bbSteps > 0)
      checks.push({
        name: 'bounded attacks agree with the minimal-norm attack',
        pass: bbExtra.every((v) => v <= slack),
        detail: `images with a Brendel-Bethge adversarial within eps that the bounded attacks missed: ${bbExtra.join(', ')} (allowed ${slack} per eps)`,
      });
  }
  // predictions at the worst-case points, in batches
  const advPred = new Int32Array(n);
  for (let s = 0, bs = Math.max(1, o.batchSize ?? n); s < n; s += bs) {
    const m = Math.min(bs, n - s);
    const t = tensor(worstAdv.subarray(s * d, (s + m) * d), [m, ...a.x.shape.slice(1)], a.x.backend);
    try {
      advPred.set(await predict(a.model, t), s);
    } finally {
      t.dispose();
    }
  }
  const worst = await finishResult(`ensemble-${norm}`, { ...a, targets: undefined }, x0, worstAdv, {
    eps: new Float64Array(n).fill(eps[eps.length - 1]),
    cleanPred,
    advPred,
  });
  return { norm, n, cleanAccuracy, curve, robust, minNorm, worst, checks, seconds: (performance.now() - t0) / 1000 };
}

/** The checks as printed lines: PASS/FAIL, name, detail. */
export function formatChecks(checks: SanityCheck[]): string[] {
  return checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
}
