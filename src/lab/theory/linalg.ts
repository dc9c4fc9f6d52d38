// Small dense float64 linear algebra for the max-margin solvers (D and N are
// tiny here: a few dozen at most), row-major Float64Arrays.

/** Solve A x = b (A n x n, row-major) by Gaussian elimination with partial pivoting; null if singular. */
export function solveDense(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | null {
  const M = Float64Array.from(A),
    x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(M[i]));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[p * n + c])) p = r;
    if (Math.abs(M[p * n + c]) <= 1e-13 * (scale || 1)) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = M[c * n + k];
        M[c * n + k] = M[p * n + k];
        M[p * n + k] = t;
      }
      const t = x[c];
      x[c] = x[p];
      x[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c] / M[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) M[r * n + k] -= f * M[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= M[r * n + k] * x[k];
    x[r] = s / M[r * n + r];
  }
  return x;
}

/** Inverse of an n x n matrix (columns solved one by one); throws if singular. */
export function invertDense(A: ArrayLike<number>, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const e = new Float64Array(n);
    e[c] = 1;
    const col = solveDense(A, e, n);
    if (!col) throw new Error('invertDense: singular matrix');
    for (let r = 0; r < n; r++) inv[r * n + c] = col[r];
  }
  return inv;
}

/** y = A x for A [m, n]. */
export function matVec(A: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = A^T x for A [m, n]. */
export function matTVec(A: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < n; j++) y[j] += A[i * n + j] * xi;
  }
  return y;
}

/** A^T A for A [m, n]. */
export function gramT(A: ArrayLike<number>, m: number, n: number): Float64Array {
  const G = new Float64Array(n * n);
  for (let i = 0; i < m; i++)
    for (let a = 0; a < n; a++) {
      const v = A[i * n + a];
      if (v === 0) continue;
      for (let b = 0; b < n; b++) G[a * n + b] += v * A[i * n + b];
    }
  return G;
}

/** Dot product of two vectors of the same length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm of a vector. */
export const norm2 = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

/** Cosine of the angle between two vectors (0 when one is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm2(a) * norm2(b);
  return d > 0 ? dot(a, b) / d : 0;
}
