import { describe, expect, it } from 'vitest';
import { bootstrapMean, groupedBootstrapMean, bootstrapDifference, overSeeds } from '../src/lab/stats/intervals.ts';
import { verdictOf, combineVerdicts, equivalenceVerdictOf, MIN_IMAGES } from '../src/lab/stats/verdict.ts';
import { normalArray, uniformArray } from '../src/engine/core/random.ts';

describe('bootstrap intervals of known distributions', () => {
  it('the 95% interval of the mean of N(mu, 1) has width about 2 * 1.96 / sqrt(n) and covers mu about 95% of the time', () => {
    const n = 400,
      mu = 3;
    let covered = 0;
    const trials = 60;
    const widths: number[] = [];
    for (let t = 0; t < trials; t++) {
      const v = Array.from(normalArray(n, 100 + t), (z) => mu + z);
      const iv = bootstrapMean(v, { resamples: 400, seed: t });
      widths.push(iv.hi - iv.lo);
      if (iv.lo <= mu && mu <= iv.hi) covered++;
      expect(iv.n).toBe(n);
      expect(iv.lo).toBeLessThan(iv.estimate);
      expect(iv.hi).toBeGreaterThan(iv.estimate);
    }
    const mean = widths.reduce((a, b) => a + b, 0) / trials;
    expect(mean).toBeGreaterThan((0.85 * (2 * 1.96)) / Math.sqrt(n));
    expect(mean).toBeLessThan((1.15 * (2 * 1.96)) / Math.sqrt(n));
    // binomial(60, .95): 51..60 covers > 99.8% of outcomes
    expect(covered).toBeGreaterThanOrEqual(51);
  });

  it('uniform(0, 1): the interval of the mean is centred on 1/2 with sd 1/sqrt(12 n)', () => {
    const n = 2000;
    const iv = bootstrapMean(uniformArray(n, 9), { resamples: 1000, seed: 1 });
    const se = 1 / Math.sqrt(12 * n);
    expect(Math.abs(iv.estimate - 0.5)).toBeLessThan(4 * se);
    expect((iv.hi - iv.lo) / (2 * 1.96 * se)).toBeGreaterThan(0.85);
    expect((iv.hi - iv.lo) / (2 * 1.96 * se)).toBeLessThan(1.15);
  });

  it('is deterministic for a seed, drops non-finite values and gives NaN for no data', () => {
    const v = [1, 2, 3, NaN, 4, 5, Infinity];
    expect(bootstrapMean(v, { seed: 4 })).toEqual(bootstrapMean(v, { seed: 4 }));
    expect(bootstrapMean(v).n).toBe(5);
    expect(bootstrapMean(v).estimate).toBe(3);
    expect(Number.isNaN(bootstrapMean([]).lo)).toBe(true);
  });

  it('grouped: seed-to-seed spread widens the interval beyond the image-only one', () => {
    // 5 seeds whose means differ by 1 (sd over seeds ~1.58), 200 images each with sd 1
    const groups = [0, 1, 2, 3, 4].map((s) => Array.from(normalArray(200, 50 + s), (z) => s + z));
    const g = groupedBootstrapMean(groups, { resamples: 1000 });
    const flat = bootstrapMean(groups.flat(), { resamples: 1000 });
    expect(g.groups).toBe(5);
    expect(g.estimate).toBeCloseTo(flat.estimate, 9);
    expect(g.hi - g.lo).toBeGreaterThan(4 * (flat.hi - flat.lo));
    // about the t-like spread of 5 seed means: 2 * 1.96 * 1.58 / sqrt(5) = 2.77 (the bootstrap is narrower for few groups)
    expect(g.hi - g.lo).toBeGreaterThan(1.5);
    expect(g.hi - g.lo).toBeLessThan(3.5);
  });

  it('difference of two samples: N(1,1) - N(0,1), n = 500 each, interval about 1 +- 0.124', () => {
    const a = Array.from(normalArray(500, 1), (z) => 1 + z),
      b = Array.from(normalArray(500, 2));
    const d = bootstrapDifference([a], [b], { resamples: 1000 });
    const se = Math.sqrt(2 / 500);
    expect(Math.abs(d.estimate - 1)).toBeLessThan(4 * se);
    expect((d.hi - d.lo) / (2 * 1.96 * se)).toBeGreaterThan(0.85);
    expect((d.hi - d.lo) / (2 * 1.96 * se)).toBeLessThan(1.15);
  });

  it('over seeds: mean and sample standard deviation', () => {
    expect(overSeeds([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  });
});

describe('verdict rule on constructed cases', () => {
  const iv = (lo: number, hi: number, n = 2000, groups = 5) => ({
    estimate: (lo + hi) / 2,
    lo,
    hi,
    level: 0.95,
    n,
    groups,
  });
  it('holds, does not hold, inconclusive', () => {
    expect(verdictOf({ interval: iv(0.1, 0.3) }).verdict).toBe('holds');
    expect(verdictOf({ interval: iv(-0.3, -0.1) }).verdict).toBe('does not hold');
    expect(verdictOf({ interval: iv(-0.3, 0) }).verdict).toBe('does not hold');
    expect(verdictOf({ interval: iv(-0.1, 0.2) }).verdict).toBe('inconclusive');
    expect(verdictOf({ interval: iv(NaN, NaN) }).verdict).toBe('inconclusive');
  });
  it('is inconclusive below the evidence bar, with the leaning kept', () => {
    const one = verdictOf({ interval: iv(0.1, 0.3, 2000, 1), trainingDependent: true });
    expect(one.verdict).toBe('inconclusive');
    expect(one.leaning).toBe('holds');
    expect(one.reason).toMatch(/1 seed < 3/);
    const few = verdictOf({ interval: iv(-0.3, -0.1, MIN_IMAGES - 1, 5), perImage: true });
    expect(few.verdict).toBe('inconclusive');
    expect(few.leaning).toBe('does not hold');
    expect(verdictOf({ interval: iv(0.1, 0.3, MIN_IMAGES, 3), perImage: true, trainingDependent: true }).verdict).toBe(
      'holds',
    );
    expect(
      verdictOf({ interval: iv(0.1, 0.3, MIN_IMAGES, 3), perImage: true, trainingDependent: true, scale: 'paper' })
        .verdict,
    ).toBe('holds');
    const quick = verdictOf({
      interval: iv(0.1, 0.3, MIN_IMAGES, 3),
      perImage: true,
      trainingDependent: true,
      scale: 'quick',
    });
    expect(quick.verdict).toBe('inconclusive');
    expect(quick.reason).toMatch(/quick scale, not the paper's/);
  });
  it('no-difference claims against a margin', () => {
    expect(equivalenceVerdictOf({ interval: iv(-0.02, 0.03) }, 0.05).verdict).toBe('holds');
    expect(equivalenceVerdictOf({ interval: iv(0.06, 0.2) }, 0.05).verdict).toBe('does not hold');
    expect(equivalenceVerdictOf({ interval: iv(-0.2, -0.07) }, 0.05).verdict).toBe('does not hold');
    expect(equivalenceVerdictOf({ interval: iv(0.01, 0.09) }, 0.05).verdict).toBe('inconclusive');
    expect(
      equivalenceVerdictOf({ interval: iv(-0.02, 0.03, 100, 1), perImage: true, trainingDependent: true }, 0.05)
        .verdict,
    ).toBe('inconclusive');
  });
  it('combines parts: all hold, any fails, otherwise inconclusive', () => {
    const h = verdictOf({ interval: iv(0.1, 0.2) }),
      f = verdictOf({ interval: iv(-0.2, -0.1) }),
      i = verdictOf({ interval: iv(-0.1, 0.1) });
    expect(combineVerdicts([h, h]).verdict).toBe('holds');
    expect(combineVerdicts([h, f, i]).verdict).toBe('does not hold');
    expect(combineVerdicts([h, i]).verdict).toBe('inconclusive');
    expect(combineVerdicts([]).verdict).toBe('inconclusive');
  });
});
