// Minimal-norm search around any fixed-budget attack (per-example exponential
// search then bisection on eps), and the random-direction control.
import { tensor } from '../../engine/ops/creation.ts';
import { normalArray } from '../../engine/core/random.ts';
import {
  boundsOf,
  checkInputs,
  finishResult,
  meets,
  normOf,
  predict,
  takeRows,
  vecNorm,
  type AttackInputs,
  type AttackResult,
  type Norm,
} from './common.ts';

/** A fixed-budget attack: run on the inputs with one budget per example. */
export type FixedBudgetAttack = (a: AttackInputs, eps: Float64Array) => Promise<AttackResult>;

/** Options of minimalNormSearch(): the norm, the first budget, its growth, and the bisection steps. */
export interface MinimalNormOptions {
  /** The norm in which the smallest adversarial is measured (the wrapped attack's norm). */
  norm: Norm;
  /** First budget tried. */
  initEps: number;
  /** While an example has no success, eps <- eps * growth (default 2) ... */
  growth?: number;
  /** ... at most this many times (default 20). */
  maxExpand?: number;
  /** Bisections of [last failure, first success] (default 10). */
  bisectSteps?: number;
  name?: string;
}

/**
 * Per example i: lo = 0, hi = +inf. Round r runs the attack on the examples
 * still searching with eps_i = initEps, then lo * growth while no success
 * (hi = inf) or hi / growth while no failure (lo = 0), at most maxExpand + 1
 * such rounds, then (lo+hi)/2 for bisectSteps rounds; a success sets hi = eps_i and keeps the adversarial
 * if its norm is the smallest so far, a failure sets lo = eps_i. Inputs that
 * already meet the criterion (e.g. misclassified) get delta = 0. Returns the
 * best adversarial per example (x itself where none was found) and
 * eps = hi (+inf where none was found).
 */
export async function minimalNormSearch(
  a: AttackInputs,
  attack: FixedBudgetAttack,
  o: MinimalNormOptions,
): Promise<AttackResult> {
  const name = o.name ?? `minimal-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  boundsOf(a.bounds);
  const growth = o.growth ?? 2,
    maxExpand = o.maxExpand ?? 20,
    bisect = o.bisectSteps ?? 10;
  if (!(o.initEps > 0) || !(growth > 1))
    throw new Error(`${name}: need initEps > 0 and growth > 1, got ${o.initEps}, ${growth}`);
  const x0 = await a.x.data();
  const shape = [...a.x.shape];
  const cleanPred = await predict(a.model, a.x);
  const best = Float32Array.from(x0);
  const bestNorm = new Float64Array(n).fill(Infinity);
  const lo = new Float64Array(n),
    hi = new Float64Array(n).fill(Infinity);
  const expands = new Int32Array(n),
    bisects = new Int32Array(n);
  const done = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    if (meets(cleanPred[i], i, a.labels, a.targets)) {
      done[i] = 1;
      bestNorm[i] = 0;
      hi[i] = 0;
    }
  const total = maxExpand + 1 + bisect;
  for (let round = 0; ; round++) {
    const idx: number[] = [],
      eps: number[] = [];
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      if (hi[i] === Infinity || lo[i] === 0) {
        // not bracketed yet: grow from initEps until a success, or shrink until a failure
        if (expands[i] > maxExpand) {
          done[i] = 1;
          continue;
        }
        eps.push(hi[i] === Infinity ? (lo[i] === 0 ? o.initEps : lo[i] * growth) : hi[i] / growth);
      } else {
        if (bisects[i] >= bisect) {
          done[i] = 1;
          continue;
        }
        eps.push(0.5 * (lo[i] + hi[i]));
      }
      idx.push(i);
    }
    if (!idx.length) break;
    const xs = tensor(takeRows(x0, d, idx), [idx.length, ...shape.slice(1)], a.x.backend);
    let r: AttackResult;
    try {
      r = await attack(
        {
          model: a.model,
          x: xs,
          bounds: a.bounds,
          seed: (a.seed ?? 0) + 7919 * round,
          labels: idx.map((i) => a.labels[i]),
          targets: a.targets ? idx.map((i) => a.targets![i]) : undefined,
        },
        Float64Array.from(eps),
      );
    } finally {
      xs.dispose();
    }
    const nr = normOf(r.norms, o.norm);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (hi[i] === Infinity || lo[i] === 0) expands[i]++;
      else bisects[i]++;
      if (r.isAdversarial[k]) {
        hi[i] = eps[k];
        if (nr[k] < bestNorm[i]) {
          bestNorm[i] = nr[k];
          best.set(r.adversarial.subarray(k * d, (k + 1) * d), i * d);
        }
      } else lo[i] = eps[k];
    }
    a.onProgress?.({
      attack: name,
      done: Math.min(round + 1, total),
      total,
      message: `${idx.length} examples searching`,
    });
  }
  return finishResult(name, a, x0, best, { eps: hi, cleanPred });
}

/**
 * The random-direction control: for each example a Gaussian direction z
 * (seeded; stream 0 of `seed`, rows in order) rescaled to the adversarial
 * perturbation's norm: delta_rand = z * ||delta||_p / ||z||_p, in float64, so
 * ||delta_rand||_p = ||delta||_p exactly up to float64 rounding. Rows with
 * delta = 0 get 0.
 */
export function randomDirections(
  perturbation: ArrayLike<number>,
  n: number,
  d: number,
  p: Norm,
  seed: number,
): Float64Array {
  const z = normalArray(n * d, seed, 0);
  for (let i = 0; i < n; i++) {
    const target = vecNorm(perturbation, p, i * d, d);
    const zn = vecNorm(z, p, i * d, d);
    const f = zn > 0 ? target / zn : 0;
    for (let j = i * d; j < (i + 1) * d; j++) z[j] *= f;
  }
  return z;
}

/** The random-direction control: the model on x + random directions of the adversarial perturbations' norms. */
export interface RandomControlResult {
  /** delta_rand in float64, [N * D]. */
  directions: Float64Array;
  /** The evaluated result for x + delta_rand (clipped to the bounds only when clip is set). */
  result: AttackResult;
  /** Fraction of coordinates of x + delta_rand that fell outside the bounds (before any clipping). */
  outOfBounds: number;
}

/**
 * Evaluate the model at x + delta_rand. By default x + delta_rand is NOT clipped
 * (clipping would change the norm); pass clip: true to clip to the bounds.
 */
export async function randomControl(
  a: AttackInputs,
  adv: AttackResult,
  p: Norm,
  opts: { seed?: number; clip?: boolean } = {},
): Promise<RandomControlResult> {
  const { n, d } = checkInputs('random-control', a);
  const bounds = boundsOf(a.bounds);
  const directions = randomDirections(adv.perturbation, n, d, p, opts.seed ?? a.seed ?? 0);
  const x0 = await a.x.data();
  const xr = new Float32Array(n * d);
  let out = 0;
  for (let j = 0; j < n * d; j++) {
    const v = x0[j] + directions[j];
    if (v < bounds[0] || v > bounds[1]) out++;
    xr[j] = opts.clip ? Math.min(bounds[1], Math.max(bounds[0], v)) : v;
  }
  const result = await finishResult(`random-control-${p}`, a, x0, xr, { eps: normOf(adv.norms, p) });
  return { directions, result, outOfBounds: n * d ? out / (n * d) : 0 };
}

/**
 * Per example, the smallest adversarial (in norm p) among several attacks'
 * results on the same inputs (e.g. Brendel-Bethge and a minimal-norm PGD
 * search, whose local minima differ); x itself where none succeeded.
 */
export async function bestOf(
  a: AttackInputs,
  results: AttackResult[],
  p: Norm,
  name = `best-${p}`,
): Promise<AttackResult> {
  const { n, d } = checkInputs(name, a);
  const x0 = await a.x.data();
  const adv = Float32Array.from(x0);
  const best = new Float64Array(n).fill(Infinity);
  for (const r of results) {
    if (r.shape[0] !== n || r.adversarial.length !== n * d)
      throw new Error(
        `${name}: result '${r.attack}' has shape [${r.shape.join(', ')}], not that of the inputs [${a.x.shape.join(', ')}]`,
      );
    const nr = normOf(r.norms, p);
    for (let i = 0; i < n; i++)
      if (r.isAdversarial[i] && nr[i] < best[i]) {
        best[i] = nr[i];
        adv.set(r.adversarial.subarray(i * d, (i + 1) * d), i * d);
      }
  }
  return finishResult(name, a, x0, adv, { eps: best });
}
