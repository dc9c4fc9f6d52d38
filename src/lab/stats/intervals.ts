// Uncertainty for the reproduction: percentile-bootstrap 95% intervals over images
// (seeded, so a report is reproducible), over seeds and images together (seeds
// resampled first, then images within each), and mean/spread over seeds.
import { uniformArray } from '../../engine/core/random.ts';
import { meanOf, quantile, stdOf } from '../analysis/stats.ts';

/** A bootstrap interval: the estimate, its bounds, the coverage level, and how many items and groups it rests on. */
export interface Interval {
  /** The statistic on the data as observed. */
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  /** Items the interval rests on (images; for grouped data, images over all groups). */
  n: number;
  /** Groups (seeds) it rests on. */
  groups: number;
}

/** Resamples, coverage level and seed of a bootstrap interval. */
export interface BootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Coverage (default 0.95). */
  level?: number;
  seed?: number;
}

const finite = (v: ArrayLike<number>): number[] => Array.from(v).filter(Number.isFinite);

/** Resample index stream: floor(u * n) from a seeded uniform stream. */
function indices(u: Float64Array, off: number, count: number, n: number, out: Int32Array): void {
  for (let i = 0; i < count; i++) out[i] = Math.min(n - 1, Math.floor(u[off + i] * n));
}

/**
 * Percentile bootstrap interval of the mean of v (non-finite values are dropped and
 * not counted). Deterministic for a given seed. NaN bounds when v is empty.
 */
export function bootstrapMean(v: ArrayLike<number>, o: BootstrapOptions = {}): Interval {
  return groupedBootstrapMean([finite(v)], o);
}

/**
 * Grouped (two-stage) percentile bootstrap of the mean of group means: each resample
 * draws groups (seeds) with replacement, then items (images) with replacement inside
 * each drawn group, and takes the mean of the resampled group means. With one group
 * this is the ordinary bootstrap over items; seed-to-seed variation widens it.
 */
export function groupedBootstrapMean(groups: ArrayLike<number>[], o: BootstrapOptions = {}): Interval {
  const gs = groups.map(finite).filter((g) => g.length > 0);
  const level = o.level ?? 0.95;
  const n = gs.reduce((s, g) => s + g.length, 0);
  if (!gs.length) return { estimate: NaN, lo: NaN, hi: NaN, level, n: 0, groups: 0 };
  const r = resampleMeans(gs, o.resamples ?? 2000, o.seed ?? 0);
  const a = (1 - level) / 2;
  return { estimate: meanOf(gs.map(meanOf)), lo: quantile(r, a), hi: quantile(r, 1 - a), level, n, groups: gs.length };
}

/** Interval of mean(a) - mean(b) for two independent grouped samples (e.g. two model families). */
export function bootstrapDifference(
  a: ArrayLike<number>[],
  b: ArrayLike<number>[],
  o: BootstrapOptions = {},
): Interval {
  const seed = o.seed ?? 0;
  const B = o.resamples ?? 2000,
    level = o.level ?? 0.95;
  // the two samples are resampled independently with different seeds, pairing resample b with b
  const ra = resampleMeans(a, B, seed),
    rb = resampleMeans(b, B, seed + 1);
  const ea = meanOf(
      a
        .map(finite)
        .filter((g) => g.length)
        .map(meanOf),
    ),
    eb = meanOf(
      b
        .map(finite)
        .filter((g) => g.length)
        .map(meanOf),
    );
  const d = ra.map((x, i) => x - rb[i]);
  const al = (1 - level) / 2;
  const count = (g: ArrayLike<number>[]): number => g.reduce((s, x) => s + finite(x).length, 0);
  return {
    estimate: ea - eb,
    lo: quantile(d, al),
    hi: quantile(d, 1 - al),
    level,
    n: count(a) + count(b),
    groups: Math.min(a.length, b.length),
  };
}

/** B resampled means of group means (groups with replacement, then items inside each; one seeded uniform stream per resample). */
function resampleMeans(groups: ArrayLike<number>[], B: number, seed: number): Float64Array {
  const gs = groups.map(finite).filter((g) => g.length > 0);
  const out = new Float64Array(B).fill(NaN);
  if (!gs.length) return out;
  const G = gs.length,
    maxLen = Math.max(...gs.map((g) => g.length));
  const gi = new Int32Array(G),
    ii = new Int32Array(maxLen);
  for (let b = 0; b < B; b++) {
    const u = uniformArray(G + G * maxLen, seed, 7000 + b);
    if (G > 1) indices(u, 0, G, G, gi);
    else gi[0] = 0;
    let s = 0;
    for (let k = 0; k < G; k++) {
      const g = gs[gi[k]];
      indices(u, G + k * maxLen, g.length, g.length, ii);
      let m = 0;
      for (let i = 0; i < g.length; i++) m += g[ii[i]];
      s += m / g.length;
    }
    out[b] = s / G;
  }
  return out;
}

/** Mean, sample standard deviation and count over seeds. */
export interface SeedSummary {
  mean: number;
  std: number;
  n: number;
}

/** Mean and sample standard deviation over seeds (one number per seed). */
export function overSeeds(v: ArrayLike<number>): SeedSummary {
  const f = finite(v);
  return { mean: meanOf(f), std: stdOf(f), n: f.length };
}
