// Small statistics used by the analyses: ranks with ties, Spearman and Pearson
// correlation, mean and standard deviation, quantiles.

/** Ranks 1..n; tied values share the average of the ranks they span. */
export function rankAverage(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) throw new Error(`rankAverage: value ${i} is NaN`);
  idx.sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either input is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`pearson: lengths differ (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n < 2) throw new Error(`pearson: needs at least 2 values, got ${n}`);
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma,
      db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation = Pearson correlation of the average ranks (exact with ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`spearman: lengths differ (${a.length} vs ${b.length})`);
  return pearson(rankAverage(a), rankAverage(b));
}

/** Arithmetic mean (NaN for an empty array). */
export function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : NaN;
}

/** Sample standard deviation (n - 1 in the denominator; 0 for one value). */
export function stdOf(v: ArrayLike<number>): number {
  const n = v.length;
  if (n < 2) return 0;
  const m = meanOf(v);
  let s = 0;
  for (let i = 0; i < n; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Linear-interpolated quantile q in [0, 1]. */
export function quantile(v: ArrayLike<number>, q: number): number {
  const s = Array.from(v).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = q * (s.length - 1),
    lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Mean, standard deviation, median and count of an array. */
export function summary(v: ArrayLike<number>): { mean: number; std: number; median: number; n: number } {
  return { mean: meanOf(v), std: stdOf(v), median: quantile(v, 0.5), n: v.length };
}
