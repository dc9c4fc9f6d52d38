// The verdict rule of the reproduction report, applied to 95% intervals, never by eye.
//
// A claim is stated as "effect > 0" (e.g. mean ||beta_hat||_1 of FC minus that of FWC).
//   holds          the whole interval is above 0 (lo > 0)
//   does not hold  the whole interval is at or below 0 (hi <= 0): the effect is absent or reversed
//   inconclusive   the interval contains 0
// and, whatever the interval says, 'inconclusive' when the evidence is below the bar:
// fewer than MIN_SEEDS seeds for a training-dependent effect, fewer than MIN_IMAGES
// images for a per-image statistic, or a run at a reduced scale (training or attack
// settings that are not the paper's); the leaning is still reported.
// A claim of NO difference (C8) is tested against a stated margin m:
//   holds          the interval lies inside (-m, m)
//   does not hold  the interval lies entirely outside [-m, m] (a difference larger than m)
//   inconclusive   otherwise
// A claim with several parts holds when every part holds, does not hold when any part
// does not hold, and is inconclusive otherwise.
import type { Interval } from './intervals.ts';

/** What a claim's interval says: 'holds', 'does not hold' or 'inconclusive'. */
export type Verdict = 'holds' | 'does not hold' | 'inconclusive';

/** Fewest seeds for a verdict on a training-dependent effect. */
export const MIN_SEEDS = 3;
/** Fewest images for a verdict on a per-image statistic. */
export const MIN_IMAGES = 500;

/** A claim's evidence: the effect's interval (claim: effect > 0) and what bar it must clear. */
export interface Evidence {
  /** The interval of the effect, oriented so that the claim says effect > 0. */
  interval: Interval;
  /** Whether the effect depends on training (then MIN_SEEDS applies to interval.groups). */
  trainingDependent?: boolean;
  /** Whether it is a per-image statistic (then MIN_IMAGES, or minImages, applies to interval.n). */
  perImage?: boolean;
  minImages?: number;
  /** The scale of the run: anything but 'paper' keeps the verdict inconclusive. */
  scale?: string;
}

/** A verdict, what the interval alone leans to, and why. */
export interface VerdictResult {
  verdict: Verdict;
  /** What the interval alone says. */
  leaning: Verdict;
  reason: string;
}

/** The verdict of one claim: 'holds' when the interval is above 0, 'does not hold' when at or below 0, else 'inconclusive' (and 'inconclusive' below the evidence bar). */
export function verdictOf(e: Evidence): VerdictResult {
  const { lo, hi } = e.interval;
  if (e.interval.n === 0)
    return { verdict: 'inconclusive', leaning: 'inconclusive', reason: 'not measured in this run' };
  const leaning: Verdict =
    !Number.isFinite(lo) || !Number.isFinite(hi)
      ? 'inconclusive'
      : lo > 0
        ? 'holds'
        : hi <= 0
          ? 'does not hold'
          : 'inconclusive';
  const short = shortfall(e);
  const iv = `[${fmt(lo)}, ${fmt(hi)}]`;
  if (short.length)
    return {
      verdict: 'inconclusive',
      leaning,
      reason: `interval ${iv} leans '${leaning}', but the evidence is below the bar (${short.join(', ')})`,
    };
  return {
    verdict: leaning,
    leaning,
    reason:
      leaning === 'holds'
        ? `interval ${iv} is above 0`
        : leaning === 'does not hold'
          ? `interval ${iv} is at or below 0`
          : `interval ${iv} contains 0`,
  };
}

/** The rule for a claim of no difference, with equivalence margin m (same evidence bar). */
export function equivalenceVerdictOf(e: Evidence, margin: number): VerdictResult {
  const { lo, hi } = e.interval;
  const leaning: Verdict =
    !Number.isFinite(lo) || !Number.isFinite(hi)
      ? 'inconclusive'
      : lo > -margin && hi < margin
        ? 'holds'
        : lo > margin || hi < -margin
          ? 'does not hold'
          : 'inconclusive';
  const short = shortfall(e);
  const iv = `[${fmt(lo)}, ${fmt(hi)}] against margin ±${fmt(margin)}`;
  if (short.length)
    return {
      verdict: 'inconclusive',
      leaning,
      reason: `interval ${iv} leans '${leaning}', but the evidence is below the bar (${short.join(', ')})`,
    };
  return {
    verdict: leaning,
    leaning,
    reason: `interval ${iv}: ${leaning === 'holds' ? 'inside' : leaning === 'does not hold' ? 'outside' : 'overlaps the margin'}`,
  };
}

/** Several parts: all hold -> holds; any does not hold -> does not hold; else inconclusive. */
export function combineVerdicts(parts: VerdictResult[]): VerdictResult {
  if (!parts.length) return { verdict: 'inconclusive', leaning: 'inconclusive', reason: 'no measurement' };
  const pick = (k: 'verdict' | 'leaning'): Verdict =>
    parts.some((p) => p[k] === 'does not hold')
      ? 'does not hold'
      : parts.every((p) => p[k] === 'holds')
        ? 'holds'
        : 'inconclusive';
  if (parts.length === 1) return { verdict: pick('verdict'), leaning: pick('leaning'), reason: parts[0].reason };
  const count = (k: 'verdict' | 'leaning'): string =>
    (['holds', 'does not hold', 'inconclusive'] as Verdict[])
      .map((v) => [v, parts.filter((p) => p[k] === v).length] as const)
      .filter(([, c]) => c)
      .map(([v, c]) => `${c} ${v}`)
      .join(', ');
  const below = [
    ...new Set(
      parts.flatMap(
        (p) =>
          /below the bar \((.*)\)$/
            .exec(p.reason)?.[1]
            .split(', ')
            .map((x) => x.replace(/^\d+ images/, 'images')) ?? [],
      ),
    ),
  ];
  return {
    verdict: pick('verdict'),
    leaning: pick('leaning'),
    reason: `${parts.length} parts: ${count('verdict')}; their intervals alone: ${count('leaning')}${below.length ? `; below the bar: ${below.join(', ')}` : ''}`,
  };
}

/** What keeps the evidence below the bar (empty: enough seeds and images). */
function shortfall(e: Evidence): string[] {
  const { groups, n } = e.interval;
  const out: string[] = [];
  if (e.trainingDependent && groups < MIN_SEEDS) out.push(`${groups} seed${groups === 1 ? '' : 's'} < ${MIN_SEEDS}`);
  if (e.scale !== undefined && e.scale !== 'paper') out.push(`${e.scale} scale, not the paper's`);
  const need = e.minImages ?? MIN_IMAGES;
  if (e.perImage && n < need) out.push(`${n} images < ${need}`);
  return out;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(3);
}
