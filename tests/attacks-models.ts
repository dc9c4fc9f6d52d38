// Small classifiers for the attack tests, built from ops (no dependency on src/lab/nn).
import * as T from '../src/index.ts';
import type { Classifier } from '../src/lab/nn/types.ts';

/** logits = flatten(x) @ W^T + b, W [K, D] (row-major, float64 values given on the host). */
export class LinearModel implements Classifier {
  readonly spec = 'test-linear';
  readonly w: T.Tensor;
  readonly b: T.Tensor;
  constructor(
    readonly W: Float64Array,
    readonly B: Float64Array,
    readonly numClasses: number,
    readonly inputShape: number[],
  ) {
    const d = inputShape.reduce((a, b) => a * b, 1);
    this.w = T.tensor(W, [numClasses, d]);
    this.b = T.tensor(B, [numClasses]);
  }
  forward(x: T.Tensor): T.Tensor {
    return T.linear(T.flatten(x), this.w, this.b);
  }
  parameters(): Map<string, T.Tensor> {
    return new Map([
      ['w', this.w],
      ['b', this.b],
    ]);
  }
  setTraining(): void {}
  /** Logits on the host in float64. */
  logits(x: ArrayLike<number>, i: number): Float64Array {
    const d = this.W.length / this.numClasses;
    const z = new Float64Array(this.numClasses);
    for (let k = 0; k < this.numClasses; k++) {
      let s = this.B[k];
      for (let j = 0; j < d; j++) s += this.W[k * d + j] * x[i * d + j];
      z[k] = s;
    }
    return z;
  }
  /** Exact distance from example i to the decision boundary: min_k (z_y - z_k) / ||w_y - w_k||_q (q = 2, or 1 for Linf). */
  boundaryDistance(x: ArrayLike<number>, i: number, y: number, q: 1 | 2): { dist: number; k: number } {
    const d = this.W.length / this.numClasses;
    const z = this.logits(x, i);
    let best = Infinity,
      bk = -1;
    for (let k = 0; k < this.numClasses; k++) {
      if (k === y) continue;
      let n = 0;
      for (let j = 0; j < d; j++) {
        const v = Math.abs(this.W[y * d + j] - this.W[k * d + j]);
        n += q === 2 ? v * v : v;
      }
      const dist = (z[y] - z[k]) / (q === 2 ? Math.sqrt(n) : n);
      if (dist < best) {
        best = dist;
        bk = k;
      }
    }
    return { dist: best, k: bk };
  }
}

export function randomLinear(k: number, shape: number[], seed: number, scale = 1): LinearModel {
  const d = shape.reduce((a, b) => a * b, 1);
  const W = T.normalArray(k * d, seed, 0).map((v) => v * scale);
  const B = T.normalArray(k, seed, 1).map((v) => v * 0.1 * scale);
  return new LinearModel(W, B, k, shape);
}

/** x -> relu(x W1^T + b1) W2^T + b2, trainable. */
export class ReluNet implements Classifier {
  readonly spec = 'test-relu';
  params: Map<string, T.Tensor>;
  constructor(
    readonly inputShape: number[],
    hidden: number,
    readonly numClasses: number,
    seed: number,
  ) {
    const d = inputShape.reduce((a, b) => a * b, 1);
    this.params = new Map([
      ['w1', T.randNormal([hidden, d], seed, 0, Math.sqrt(2 / d), 0).requireGrad()],
      ['b1', T.zeros([hidden]).requireGrad()],
      ['w2', T.randNormal([numClasses, hidden], seed, 0, Math.sqrt(1 / hidden), 1).requireGrad()],
      ['b2', T.zeros([numClasses]).requireGrad()],
    ]);
  }
  forward(x: T.Tensor): T.Tensor {
    const p = this.params;
    return T.linear(T.relu(T.linear(T.flatten(x), p.get('w1')!, p.get('b1'))), p.get('w2')!, p.get('b2'));
  }
  parameters(): Map<string, T.Tensor> {
    return this.params;
  }
  setTraining(): void {}
}

/** Three-class (K) Gaussian blobs around random means in [0.25, 0.75]^d, clipped to [0, 1]. */
export function blobs(n: number, seed: number, d = 36, K = 3): { x: Float64Array; y: number[] } {
  const means = T.uniformArray(K * d, 77, 0).map((v) => 0.25 + 0.5 * v);
  const noise = T.normalArray(n * d, seed, 1);
  const y = [...T.uniformArray(n, seed, 2)].map((v) => Math.floor(v * K));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) x[i * d + j] = Math.min(1, Math.max(0, means[y[i] * d + j] + 0.25 * noise[i * d + j]));
  return { x, y };
}
