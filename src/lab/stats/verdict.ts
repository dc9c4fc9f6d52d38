// The verdict rule of the reproduction report, applied to 95% intervals, never by eye.
//
// A claim is stated as "effect > 0" (e.g. mean ||beta_hat||_1 of FC minus that of FWC).
//   holds          the whole interval is above 0 (lo > 0)
//   does not hold  the whole interval is at or below 0 (hi <= 0): the effect is absent or reversed
//   inconclusive   the interval contains 0
// and, whatever the interval says, 'inconclusive' when the evidence is below the bar:
// fewer than MIN_SEEDS seeds for a training-dependent effect, or fewer than MIN_IMAGES
// images for a per-image statistic (the leaning is still reported).
// A claim with several parts holds when every part holds, does not hold when any part
// does not hold, and is inconclusive otherwise.
import type { Interval } from './intervals.ts';

export type Verdict = 'holds' | 'does not hold' | 'inconclusive';

export const MIN_SEEDS = 3;
export const MIN_IMAGES = 500;

export interface Evidence {
  /** The interval of the effect, oriented so that the claim says effect > 0. */
  interval: Interval;
  /** Whether the effect depends on training (then MIN_SEEDS applies to interval.groups). */
  trainingDependent?: boolean;
  /** Whether it is a per-image statistic (then MIN_IMAGES applies to interval.n). */
  perImage?: boolean;
}

export interface VerdictResult {
  verdict: Verdict;
  /** What the interval alone says. */
  leaning: Verdict;
  reason: string;
}

export function verdictOf(e: Evidence): VerdictResult {
  const { lo, hi, groups, n } = e.interval;
  const leaning: Verdict = !Number.isFinite(lo) || !Number.isFinite(hi) ? 'inconclusive' : lo > 0 ? 'holds' : hi <= 0 ? 'does not hold' : 'inconclusive';
  const short: string[] = [];
  if (e.trainingDependent && groups < MIN_SEEDS) short.push(`${groups} seed${groups === 1 ? '' : 's'} < ${MIN_SEEDS}`);
  if (e.perImage && n < MIN_IMAGES) short.push(`${n} images < ${MIN_IMAGES}`);
  const iv = `[${fmt(lo)}, ${fmt(hi)}]`;
  if (short.length) return { verdict: 'inconclusive', leaning, reason: `interval ${iv} leans '${leaning}', but the evidence is below the bar (${short.join(', ')})` };
  return { verdict: leaning, leaning, reason: leaning === 'holds' ? `interval ${iv} is above 0` : leaning === 'does not hold' ? `interval ${iv} is at or below 0` : `interval ${iv} contains 0` };
}

/** Several parts: all hold -> holds; any does not hold -> does not hold; else inconclusive. */
export function combineVerdicts(parts: VerdictResult[]): VerdictResult {
  if (!parts.length) return { verdict: 'inconclusive', leaning: 'inconclusive', reason: 'no measurement' };
  const pick = (k: 'verdict' | 'leaning'): Verdict => (parts.some((p) => p[k] === 'does not hold') ? 'does not hold' : parts.every((p) => p[k] === 'holds') ? 'holds' : 'inconclusive');
  return { verdict: pick('verdict'), leaning: pick('leaning'), reason: parts.map((p) => p.reason).join('; ') };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(3);
}
