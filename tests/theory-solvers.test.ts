// The max-margin solvers against closed forms and brute force on tiny problems.
import { describe, expect, it } from 'vitest';
import {
  fourierL1MaxMargin,
  fourierL1Norm,
  groupMagnitudes,
  groupNormValue,
  l1MaxMargin,
  l2MaxMargin,
  marginProblem,
  minMargin,
  reweightedMaxMargin,
  l1Norm,
  type MarginProblem,
} from '../src/lab/theory/solvers.ts';
import { cosine, dot, norm2, solveDense } from '../src/lab/theory/linalg.ts';
import { normalArray } from '../src/engine/core/random.ts';

/** A separable problem: labels from a random teacher (so N may exceed D). */
function teacherProblem(N: number, D: number, seed: number): MarginProblem {
  const x = Float64Array.from(normalArray(N * D, seed));
  const t = normalArray(D, seed + 99);
  const y = Array.from({ length: N }, (_, n) => (dot(x.subarray(n * D, n * D + D), t) >= 0 ? 1 : -1));
  return marginProblem(x, y, N, D);
}

/** Exact l2 max margin by enumerating every active set (KKT: G_SS a = 1, a > 0, all margins >= 1). */
function bruteL2(p: MarginProblem): Float64Array {
  let best: Float64Array | null = null;
  for (let mask = 1; mask < 1 << p.N; mask++) {
    const S = [...Array(p.N).keys()].filter((n) => mask & (1 << n));
    const G = new Float64Array(S.length * S.length);
    S.forEach((a, i) =>
      S.forEach((b, j) => {
        G[i * S.length + j] = dot(p.Z.subarray(a * p.D, a * p.D + p.D), p.Z.subarray(b * p.D, b * p.D + p.D));
      }),
    );
    const a = solveDense(G, new Float64Array(S.length).fill(1), S.length);
    if (!a || a.some((v) => v <= 0)) continue;
    const beta = new Float64Array(p.D);
    S.forEach((n, i) => {
      for (let d = 0; d < p.D; d++) beta[d] += a[i] * p.Z[n * p.D + d];
    });
    if (minMargin(p, beta) < 1 - 1e-9) continue;
    if (!best || norm2(beta) < norm2(best)) best = beta;
  }
  if (!best) throw new Error('no KKT point');
  return best;
}

/** Exact l1 max margin value through the dual LP max 1'a s.t. |Z'a|_inf <= 1, a >= 0, by vertex enumeration. */
function bruteL1Value(p: MarginProblem): number {
  // constraints as rows c.a <= b: (Z'a)_d <= 1, -(Z'a)_d <= 1, -a_n <= 0
  const rows: { c: number[]; b: number }[] = [];
  for (let d = 0; d < p.D; d++) {
    const c = Array.from({ length: p.N }, (_, n) => p.Z[n * p.D + d]);
    rows.push({ c, b: 1 }, { c: c.map((v) => -v), b: 1 });
  }
  for (let n = 0; n < p.N; n++) rows.push({ c: Array.from({ length: p.N }, (_, k) => (k === n ? -1 : 0)), b: 0 });
  let best = -Infinity;
  const choose = (start: number, pick: number[]): void => {
    if (pick.length === p.N) {
      const A = pick.flatMap((r) => rows[r].c),
        a = solveDense(
          A,
          pick.map((r) => rows[r].b),
          p.N,
        );
      if (a && rows.every((r) => dot(r.c, a) <= r.b + 1e-9))
        best = Math.max(
          best,
          a.reduce((s, v) => s + v, 0),
        );
      return;
    }
    for (let r = start; r < rows.length; r++) choose(r + 1, [...pick, r]);
  };
  choose(0, []);
  return best;
}

describe('l2 max margin (QP)', () => {
  it('one point: beta = z / |z|^2; orthogonal points: beta = sum z_n / |z_n|^2', () => {
    const z = [1, -2, 0.5];
    const r = l2MaxMargin(marginProblem(z, [1], 1, 3));
    const zz = dot(z, z);
    r.beta.forEach((v, i) => expect(v).toBeCloseTo(z[i] / zz, 12));
    expect(r.value).toBeCloseTo(0.5 / zz, 12);
    expect(r.gap).toBeLessThan(1e-12);
    const x = [2, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0.5, 0];
    const q = l2MaxMargin(marginProblem(x, [1, -1, 1], 3, 4));
    [0.5, 1 / 3, 2, 0].forEach((v, i) => expect(q.beta[i]).toBeCloseTo(v, 12));
    expect(q.gap).toBeLessThan(1e-12);
  });

  it('matches the active-set enumeration on random tiny problems, gap < 1e-6', () => {
    for (let seed = 0; seed < 8; seed++) {
      const p = teacherProblem(6, 3, seed);
      const r = l2MaxMargin(p),
        b = bruteL2(p);
      for (let d = 0; d < 3; d++) expect(r.beta[d]).toBeCloseTo(b[d], 8);
      expect(r.gap).toBeLessThan(1e-6);
      expect(minMargin(p, r.beta)).toBeCloseTo(1, 12);
    }
  });

  it('refuses data that are not separable through the origin', () => {
    expect(() =>
      l2MaxMargin(
        marginProblem([1, 1, 1, 1], [1, 1], 2, 2).Z ? marginProblem([1, 1, 1, 1], [1, -1], 2, 2) : (null as never),
      ),
    ).toThrow(/not linearly separable/);
  });
});

describe('Fourier-l1 and l1 max margin (cone program by ADMM)', () => {
  it('the DFT group norm is sum_k |beta_hat_k| of the unnormalised DFT', () => {
    const beta = [1, 2, -1, 0.5, 3];
    const mags = groupMagnitudes(fourierL1Norm(1, 5), beta);
    for (let k = 0; k < 5; k++) {
      let re = 0,
        im = 0;
      beta.forEach((v, d) => {
        re += v * Math.cos((2 * Math.PI * k * d) / 5);
        im -= v * Math.sin((2 * Math.PI * k * d) / 5);
      });
      expect(mags[k]).toBeCloseTo(Math.hypot(re, im), 12);
    }
    // 2-D: a 2x3 image
    const img = [1, 0, 2, -1, 0.5, 0];
    const m2 = groupMagnitudes(fourierL1Norm(2, 3), img);
    let re = 0,
      im = 0; // frequency (1, 2)
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 3; c++) {
        const a = -2 * Math.PI * (r / 2 + (2 * c) / 3);
        re += img[r * 3 + c] * Math.cos(a);
        im += img[r * 3 + c] * Math.sin(a);
      }
    expect(m2[1 * 3 + 2]).toBeCloseTo(Math.hypot(re, im), 12);
  });

  it('one point: value D / max_k |z_hat_k|, beta a single frequency pair; gap < 1e-6', () => {
    const D = 6,
      z = [0.3, 1.2, -0.4, 0.8, 0.1, -0.9];
    const r = fourierL1MaxMargin(marginProblem(z, [1], 1, D), 1, D);
    const zh = groupMagnitudes(fourierL1Norm(1, D), z);
    const kStar = zh.indexOf(Math.max(...zh));
    expect(r.value).toBeCloseTo(D / zh[kStar], 6);
    expect(r.gap).toBeLessThan(1e-6);
    const spec = groupMagnitudes(fourierL1Norm(1, D), r.beta);
    for (let k = 0; k < D; k++)
      if (k !== kStar && k !== (D - kStar) % D) expect(spec[k]).toBeLessThan(1e-5 * spec[kStar]);
  });

  it('matches a brute-force search over the sphere (D = 3)', () => {
    for (const seed of [1, 2, 3]) {
      const p = teacherProblem(2, 3, seed);
      const F = fourierL1Norm(1, 3);
      const r = fourierL1MaxMargin(p, 1, 3);
      expect(r.gap).toBeLessThan(1e-6);
      let best = Infinity;
      const T = 250,
        P = 500;
      for (let i = 0; i <= T; i++)
        for (let j = 0; j < P; j++) {
          const th = (Math.PI * i) / T,
            ph = (2 * Math.PI * j) / P;
          const b = [Math.sin(th) * Math.cos(ph), Math.sin(th) * Math.sin(ph), Math.cos(th)];
          const m = minMargin(p, b);
          if (m > 0) best = Math.min(best, groupNormValue(F, b) / m);
        }
      expect(r.value).toBeLessThanOrEqual(best * (1 + 1e-9));
      expect(best).toBeLessThan(r.value * 1.01);
    }
  });

  it('l1 (identity groups) matches the dual LP solved by vertex enumeration; gap < 1e-6', () => {
    for (let seed = 0; seed < 5; seed++) {
      const p = teacherProblem(3, 4, 10 + seed);
      const r = l1MaxMargin(p);
      expect(r.gap).toBeLessThan(1e-6);
      expect(r.value).toBeCloseTo(bruteL1Value(p), 6);
      expect(groupNormValue(l1Norm(4), r.beta)).toBeCloseTo(r.value, 12);
    }
  });

  it('reweighting for q < 1: never increases sum ||A_g beta||^q, and lands on the sparse optimum for one point', () => {
    const p = teacherProblem(5, 6, 4);
    const r = reweightedMaxMargin(p, fourierL1Norm(1, 6), 2 / 3);
    for (let i = 1; i < r.history.length; i++) expect(r.history[i]).toBeLessThanOrEqual(r.history[i - 1] * (1 + 1e-6));
    expect(r.lastStepCosine).toBeGreaterThan(1 - 1e-8);
    expect(r.l1Gap).toBeLessThan(1e-6);
    // started from a stationary point it stays; from the dense l2 solution it moves away
    expect(cosine(reweightedMaxMargin(p, fourierL1Norm(1, 6), 2 / 3, { start: r.beta }).beta, r.beta)).toBeGreaterThan(
      1 - 1e-6,
    );
    const l2 = l2MaxMargin(p).beta;
    expect(cosine(reweightedMaxMargin(p, fourierL1Norm(1, 6), 2 / 3, { start: l2 }).beta, l2)).toBeLessThan(0.95);
    // one point: min sum |beta_d|^q s.t. <z, beta> >= 1 is 1-sparse on argmax |z_d|
    const z = [0.5, -2, 1];
    const s = reweightedMaxMargin(marginProblem(z, [1], 1, 3), l1Norm(3), 0.5);
    expect(s.beta[1]).toBeCloseTo(-0.5, 6);
    expect(s.value).toBeCloseTo(0.5 ** 0.5, 6);
    expect(cosine(s.beta, [0, -1, 0])).toBeGreaterThan(1 - 1e-9);
  });
});
