// Projected gradient descent (Madry et al.) with Foolbox 3 semantics, FGSM/FGM,
// and the paper's presets. The iteration runs on the device with tensor ops
// (no host round trip per step), except the optional exact L1 projection.
import { Tensor, tidy } from '../../engine/tensor.ts';
import { tensor } from '../../engine/ops/creation.ts';
import {
  abs,
  add,
  clamp,
  detach,
  div,
  maximum,
  minimum,
  mul,
  neg,
  sign,
  sqrt,
  square,
  sub,
} from '../../engine/ops/elementwise.ts';
import { sum } from '../../engine/ops/reduce.ts';
import {
  boundsOf,
  checkInputs,
  epsArray,
  finishResult,
  logitsOf,
  lossAndGrad,
  type AttackInputs,
  type AttackResult,
  type LossName,
  type Norm,
} from './common.ts';
import { projectL1Box, uniformL1Ball, uniformL2Ball, uniformLinfBall } from './geometry.ts';

/** Options of pgd(): norm, budget, steps, step size, random start, projection and loss (Foolbox 3 defaults). */
export interface PGDOptions {
  norm: Norm;
  /** Radius of the ball (absolute, in the norm's own units); one value or one per example. */
  eps: number | ArrayLike<number>;
  /** Iterations (Foolbox defaults: linf 40, l2 50, l1 50). */
  steps?: number;
  /** Step = relStepsize * eps (Foolbox defaults: linf 0.01/0.3, l2 0.025, l1 0.025) ... */
  relStepsize?: number;
  /** ... unless an absolute step is given (then the same for every example). */
  absStepsize?: number;
  /** Uniform random start in the ball (box / L2 ball / L1 ball), clipped to the bounds; default true. */
  randomStart?: boolean;
  /**
   * 'foolbox' (default): delta <- delta * min(1, eps/||delta||) then clip x to the box
   * (exact for linf and l2; for l1 a rescale, not a projection).
   * 'exact': for l1, the Euclidean projection onto {||delta||_1 <= eps} intersected with the box.
   */
  projection?: 'foolbox' | 'exact';
  /** Loss ascended: 'ce' (Foolbox; summed cross-entropy) or 'margin'. */
  loss?: LossName;
  /** Name in the result (default pgd-<norm>). */
  name?: string;
}

const DEFAULTS: Record<Norm, { steps: number; rel: number }> = {
  linf: { steps: 40, rel: 0.01 / 0.3 },
  l2: { steps: 50, rel: 0.025 },
  l1: { steps: 50, rel: 0.025 },
};

/** Axes 1..rank-1 (all but the batch axis). */
const featureAxes = (t: Tensor): number[] => t.shape.slice(1).map((_, i) => i + 1);

/** Per-example Lp norm [N,1,...,1] of a tensor (p = 1 or 2). */
function rowNorm(t: Tensor, p: 1 | 2): Tensor {
  const ax = featureAxes(t);
  return p === 2 ? sqrt(sum(square(t), ax, true)) : sum(abs(t), ax, true);
}

/** Foolbox 3 step directions: sign(g), g/max(||g||_2,1e-12), g/max(||g||_1,1e-12). */
export function stepDirection(g: Tensor, norm: Norm): Tensor {
  if (norm === 'linf') return sign(g);
  return div(g, maximum(rowNorm(g, norm === 'l2' ? 2 : 1), 1e-12));
}

/** Foolbox 3 projection of delta: clip for linf; delta * min(1, eps/max(||delta||,1e-12)) for l2/l1. */
export function projectDelta(delta: Tensor, norm: Norm, epsT: Tensor): Tensor {
  if (norm === 'linf') return clamp(delta, neg(epsT), epsT);
  const nr = maximum(rowNorm(delta, norm === 'l2' ? 2 : 1), 1e-12);
  return mul(delta, minimum(div(epsT, nr), 1));
}

/** Random start: x0 + eps * (uniform sample of the unit ball), clipped to the bounds (host, float64 sampling). */
export function randomStartPoint(
  x0: Float32Array,
  n: number,
  d: number,
  norm: Norm,
  eps: Float64Array,
  bounds: [number, number],
  seed: number,
  stream = 100,
): Float32Array {
  const r =
    norm === 'linf'
      ? uniformLinfBall(n, d, seed, stream)
      : norm === 'l2'
        ? uniformL2Ball(n, d, seed, stream)
        : uniformL1Ball(n, d, seed, stream);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = Math.min(bounds[1], Math.max(bounds[0], x0[j] + eps[i] * r[j]));
  return out;
}

/**
 * PGD. Per step: g = d loss / d x; x <- x + step * dir(g); delta <- project(x - x0);
 * x <- clip(x0 + delta, bounds). Returns the last iterate (Foolbox semantics).
 */
export async function pgd(a: AttackInputs, o: PGDOptions): Promise<AttackResult> {
  const name = o.name ?? `pgd-${o.norm}`;
  const { n, d } = checkInputs(name, a);
  const bounds = boundsOf(a.bounds);
  const norm = o.norm;
  if (!DEFAULTS[norm]) throw new Error(`${name}: unknown norm '${norm}' (linf, l2, l1)`);
  const steps = o.steps ?? DEFAULTS[norm].steps;
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`${name}: steps must be a non-negative integer, got ${steps}`);
  const eps = epsArray(o.eps, n, name);
  const stepSz = new Float64Array(n);
  for (let i = 0; i < n; i++) stepSz[i] = o.absStepsize ?? (o.relStepsize ?? DEFAULTS[norm].rel) * eps[i];
  const exactL1 = o.projection === 'exact' && norm === 'l1';
  const loss = o.loss ?? 'ce';
  const seed = a.seed ?? 0;
  a.model.setTraining(false);
  const be = a.x.backend;
  const shape = [...a.x.shape];
  const bshape = [n, ...shape.slice(1).map(() => 1)];
  const x0h = await a.x.data();
  const epsT = tensor(eps, bshape, be),
    stepT = tensor(stepSz, bshape, be);
  // host copies of the box around x0 for the exact L1 projection
  let loD: Float64Array | null = null,
    hiD: Float64Array | null = null;
  if (exactL1) {
    loD = new Float64Array(n * d);
    hiD = new Float64Array(n * d);
    for (let j = 0; j < n * d; j++) {
      loD[j] = bounds[0] - x0h[j];
      hiD[j] = bounds[1] - x0h[j];
    }
  }
  let x: Tensor;
  if (o.randomStart ?? true) {
    let start = randomStartPoint(x0h, n, d, norm, eps, bounds, seed);
    if (exactL1) start = await exactL1Project(start, x0h, loD!, hiD!, eps, n, d);
    x = tensor(start, shape, be);
  } else x = detach(a.x);
  try {
    const every = Math.max(1, Math.floor(steps / 100));
    for (let s = 0; s < steps; s++) {
      const logitsHost = loss === 'margin' ? await logitsOf(a.model, x) : undefined;
      const cur = x;
      const next = tidy(() => {
        const { grad } = lossAndGrad(a.model, cur, a.labels, a.targets, loss, logitsHost);
        const moved = add(cur, mul(stepT, stepDirection(grad, norm)));
        // backward() keep()s the gradients it returns, so they escape tidy scopes: free explicitly
        grad.dispose();
        if (exactL1) return moved;
        const delta = projectDelta(sub(moved, a.x), norm, epsT);
        return clamp(add(a.x, delta), bounds[0], bounds[1]);
      });
      cur.dispose();
      x = next;
      if (exactL1) {
        const moved = await x.data();
        x.dispose();
        x = tensor(await exactL1Project(moved, x0h, loD!, hiD!, eps, n, d), shape, be);
      }
      if (a.onProgress && ((s + 1) % every === 0 || s + 1 === steps))
        a.onProgress({ attack: name, done: s + 1, total: steps });
    }
    const adv = await x.data();
    return await finishResult(name, a, x0h, adv, { eps });
  } finally {
    x.dispose();
    epsT.dispose();
    stepT.dispose();
  }
}

async function exactL1Project(
  xs: Float32Array,
  x0: Float32Array,
  lo: Float64Array,
  hi: Float64Array,
  eps: Float64Array,
  n: number,
  d: number,
): Promise<Float32Array> {
  const v = new Float64Array(n * d);
  for (let j = 0; j < n * d; j++) v[j] = xs[j] - x0[j];
  const p = new Float64Array(n * d);
  for (let i = 0; i < n; i++) projectL1Box(v, lo, hi, eps[i], p, i * d, d);
  const out = new Float32Array(n * d);
  for (let j = 0; j < n * d; j++) out[j] = x0[j] + p[j];
  // float32 rounding of x0 + delta can leave the box by an ulp: clip
  for (let j = 0; j < n * d; j++) out[j] = Math.min(Math.max(out[j], x0[j] + lo[j]), x0[j] + hi[j]);
  return out;
}

/** FGSM (Foolbox LinfFastGradientAttack): one sign step of size eps from x, no random start. */
export function fgsm(a: AttackInputs, o: { eps: number | ArrayLike<number>; loss?: LossName }): Promise<AttackResult> {
  return pgd(a, { norm: 'linf', eps: o.eps, steps: 1, relStepsize: 1, randomStart: false, loss: o.loss, name: 'fgsm' });
}

/** FGM (Foolbox L2FastGradientAttack): one step eps * g/||g||_2 from x, no random start. */
export function fgm(a: AttackInputs, o: { eps: number | ArrayLike<number>; loss?: LossName }): Promise<AttackResult> {
  return pgd(a, { norm: 'l2', eps: o.eps, steps: 1, relStepsize: 1, randomStart: false, loss: o.loss, name: 'fgm' });
}

/**
 * The paper's (authors' code) settings. `inputSize` = C*H*W (needed for the
 * L1 preset, whose eps is a mean absolute distance: ||delta||_1 <= 0.1 * C*H*W).
 */
export function paperPreset(
  name: 'pgd-linf' | 'pgd-l2' | 'pgd-l1',
  inputSize: number,
): PGDOptions & { binarySearch?: boolean } {
  switch (name) {
    case 'pgd-linf':
      return { norm: 'linf', eps: 8 / 255, steps: 1000, absStepsize: 0.01, randomStart: true, name };
    case 'pgd-l2':
      return { norm: 'l2', eps: 2.0, steps: 1000, absStepsize: 0.4, randomStart: false, name };
    case 'pgd-l1':
      return {
        norm: 'l1',
        eps: 0.1 * inputSize,
        steps: 200,
        absStepsize: 0.01 * inputSize,
        randomStart: false,
        name,
        binarySearch: true,
      };
  }
  throw new Error(`paperPreset: unknown preset '${name}' (pgd-linf, pgd-l2, pgd-l1)`);
}

/**
 * A function the benchmark harness can call: run `steps` PGD-Linf steps on a
 * batch and return the number of image-steps per second (wall clock,
 * including the final read-back).
 */
export async function pgdThroughput(
  a: AttackInputs,
  steps = 10,
  norm: Norm = 'linf',
): Promise<{ imageSteps: number; seconds: number; imageStepsPerSecond: number }> {
  const t0 = performance.now();
  await pgd(a, { norm, eps: norm === 'linf' ? 8 / 255 : 2, steps, randomStart: false });
  const seconds = (performance.now() - t0) / 1000;
  const imageSteps = a.x.shape[0] * steps;
  return { imageSteps, seconds, imageStepsPerSecond: imageSteps / seconds };
}
