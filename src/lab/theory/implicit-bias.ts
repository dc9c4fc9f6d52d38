// The implicit-bias study as a library function: draw a separable problem,
// solve the predicted limits, train each parametrisation by gradient descent
// and follow the learned beta's cosine to each limit, its margin and its
// Fourier spectrum along training.
import { normalArray, uniformArray } from '../../engine/core/random.ts';
import { engine } from '../../engine/tensor.ts';
import { float64Backend, setBackend } from '../../engine/backends/registry.ts';
import { cosine, norm2 } from './linalg.ts';
import {
  fourierL1Norm,
  groupMagnitudes,
  groupNormValue,
  l1Norm,
  l2MaxMargin,
  marginProblem,
  minMargin,
  reweightedMaxMargin,
  type GroupNorm,
  type MarginProblem,
} from './solvers.ts';
import {
  FAMILIES,
  initParams,
  logSpacedSteps,
  responseBeta,
  trainNet,
  type Family,
  type LossName,
  type NetSpec,
} from './nets.ts';

/** Configuration of the implicit-bias runs: signal shape, points, families, depth, loss, step schedule, steps, seeds, checkpoints. */
export interface ImplicitBiasConfig {
  /**
   * 'gaussian': N(0, I) points; or a data set name (e.g. 'cifar10'): images of
   * classes `classes` (two, '+'-joined), grey, block-averaged to H x W, centred.
   */
  data: string;
  classes: string;
  /** Signal shape: H = 1 gives 1-D signals of length W; D = H * W. */
  H: number;
  W: number;
  /** Training points (N < D keeps every labelling separable). */
  N: number;
  /** Families joined by '+' (commas would clash with --set): fc, conv, bwc, diag, fc-relu. */
  families: string;
  /** Layers of every network. */
  L: number;
  /** Kernel taps of bwc. */
  k: number;
  /** Hidden width of fc networks (0: D). */
  width: number;
  loss: LossName;
  schedule: 'normalised' | 'constant';
  lr: number;
  decay: number;
  decaySteps: number;
  steps: number;
  /** Standard deviation of the initial weights. */
  init: number;
  /** Number of (log-spaced) checkpoints. */
  checkpoints: number;
  /**
   * Problems whose l2 and Fourier limits are nearly parallel cannot tell the
   * two predictions apart: draws with cos(l2*, fourier*) above this are
   * redrawn (1 keeps every draw). The number of draws is reported.
   */
  maxLimitCosine: number;
  /**
   * ... and draws where either limit is within this fraction of optimal in the
   * other's objective (a flat objective: its argmin is ill-determined, and GD
   * cannot be told to approach one limit rather than the other) are redrawn too.
   */
  minCrossGap: number;
  seeds: number;
  seed: number;
  /** 'float64': the float64 reference backend; 'current': the current backend's precision (CPU backends). */
  precision: 'float64' | 'current';
}

/** The default (quick) implicit-bias configuration. */
export const defaultImplicitBiasConfig = (): ImplicitBiasConfig => ({
  data: 'gaussian',
  classes: '0+1',
  H: 1,
  W: 6,
  N: 5,
  families: 'fc+conv+bwc+diag+fc-relu',
  L: 2,
  k: 3,
  width: 0,
  loss: 'exp',
  schedule: 'normalised',
  lr: 0.1,
  decay: 0.5,
  decaySteps: 100,
  steps: 20000,
  init: 0.1,
  checkpoints: 30,
  maxLimitCosine: 0.9,
  minCrossGap: 0.05,
  seeds: 3,
  seed: 0,
  precision: 'float64',
});

/** The predicted limits, each scaled to unit margin. */
export interface Limits {
  l2: number[];
  /** Fourier-l1 (L = 2) or the l_{2/L} stationary point reached by reweighting from it. */
  fourier: number[];
  /** l1 (L = 2) or the l_{2/L} stationary point in the pixel basis. */
  l1: number[];
  /** Duality gaps of the convex solves (l2, fourier-l1, l1). */
  gaps: { l2: number; fourier: number; l1: number };
  /** Optimal l2 margin 1/||beta_l2||. */
  l2Margin: number;
  /** cos(l2*, fourier*). */
  limitCosine: number;
  /** Relative excess of each limit in the other's objective: Fourier norm of l2* over the optimum - 1, l2 norm of fourier* over the optimum - 1 (at unit margin). */
  crossGap: { l2InFourier: number; fourierInL2: number };
}

/** The max-margin limits compared: l2, Fourier-l1 and l1. */
export const LIMIT_NAMES = ['l2', 'fourier', 'l1'] as const;
/** One of LIMIT_NAMES. */
export type LimitName = (typeof LIMIT_NAMES)[number];

/** Which limit the theory predicts for a family (null: the theorem says nothing). */
export function predictedLimit(f: Family): LimitName | null {
  return f === 'fc' ? 'l2' : f === 'conv' ? 'fourier' : f === 'diag' ? 'l1' : null;
}

/** One checkpoint of a run: step, log loss, cosine to each limit, margin ratio. */
export interface Checkpoint {
  step: number;
  logLoss: number;
  cos: Record<LimitName, number>;
  /** min_n y_n <x_n, beta> / ||beta||_2, divided by the optimal l2 margin (1 at the l2 limit). */
  l2MarginRatio: number;
  /** Fourier amplitude spectrum |beta_hat_k| / max_k (row-major frequencies). */
  spectrum: number[];
  /** ||beta_hat||_1 / ||beta_hat||_2: 1 for one frequency (sqrt 2 for a real cosine, k and -k), sqrt(D) for a flat spectrum. */
  fourierSparsity: number;
}

/** One trained network: family, seed, checkpoints, the final linear predictor beta, wall time. */
export interface RunResult {
  family: Family;
  seed: number;
  checkpoints: Checkpoint[];
  beta: number[];
  /**
   * L > 2, conv and diag: cosine between the final beta and the stationary point
   * of sum_g ||A_g beta||^(2/L) that reweighting reaches from it (1: beta is
   * itself stationary, the theorem's prediction, whichever stationary point it is).
   */
  stationarity?: number;
  seconds: number;
}

/** One separable problem (seed): its data, the limits, and one RunResult per family. */
export interface ProblemResult {
  seed: number;
  /** Draws needed to pass maxLimitCosine. */
  draws: number;
  x: number[];
  y: number[];
  limits: Limits;
  runs: RunResult[];
}

/** A pool of real signals to draw problems from: rows of x [n, D] with labels +1 / -1. */
export interface SignalPool {
  x: Float64Array;
  y: Int8Array;
  n: number;
}

/**
 * Images [n, C, h, w] (values in [0, 1]) of two classes -> grey, block-averaged
 * to H x W (H = 1: rows averaged, then blocks of columns), minus the pool mean,
 * scaled to a mean square norm of D.
 */
export function imagePool(
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  shape: readonly number[],
  classes: [number, number],
  H: number,
  W: number,
): SignalPool {
  const [C, h, w] = shape,
    D = H * W;
  const keep = [...Array(labels.length).keys()].filter((i) => labels[i] === classes[0] || labels[i] === classes[1]);
  if (keep.length < 2) throw new Error(`implicit-bias: fewer than 2 images of classes ${classes.join(' and ')}`);
  const g = C === 3 ? [0.2989, 0.587, 0.114] : Array(C).fill(1 / C);
  const out = new Float64Array(keep.length * D),
    cnt = new Float64Array(D);
  const cell = (r: number, c: number): number =>
    (H === 1 ? 0 : Math.min(H - 1, Math.floor((r * H) / h))) * W + Math.min(W - 1, Math.floor((c * W) / w));
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) cnt[cell(r, c)]++;
  keep.forEach((i, k) => {
    for (let ch = 0; ch < C; ch++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) out[k * D + cell(r, c)] += g[ch] * x[((i * C + ch) * h + r) * w + c];
    for (let d = 0; d < D; d++) out[k * D + d] /= cnt[d];
  });
  for (let d = 0; d < D; d++) {
    let m = 0;
    for (let k = 0; k < keep.length; k++) m += out[k * D + d];
    m /= keep.length;
    for (let k = 0; k < keep.length; k++) out[k * D + d] -= m;
  }
  // scaled to the Gaussian points' mean square norm D (scale changes no limit, only the speed of GD)
  let sq = 0;
  for (const v of out) sq += v * v;
  const f = Math.sqrt((D * keep.length) / (sq || 1));
  for (let i = 0; i < out.length; i++) out[i] *= f;
  return { x: out, y: Int8Array.from(keep, (i) => (labels[i] === classes[0] ? 1 : -1)), n: keep.length };
}

/**
 * Seeded separable problem: Gaussian points with alternating labels (by
 * symmetry as good as random ones), or N signals drawn from a pool, as many
 * of each class as possible.
 */
export function drawProblem(
  cfg: Pick<ImplicitBiasConfig, 'H' | 'W' | 'N'>,
  seed: number,
  pool?: SignalPool,
): { x: Float64Array; y: number[]; problem: MarginProblem } {
  const D = cfg.H * cfg.W;
  if (!pool) {
    const x = Float64Array.from(normalArray(cfg.N * D, 1000003 * seed + 17));
    const y = Array.from({ length: cfg.N }, (_, n) => (n % 2 === 0 ? 1 : -1));
    return { x, y, problem: marginProblem(x, y, cfg.N, D) };
  }
  const u = uniformArray(pool.n, 1000003 * seed + 29);
  const order = [...Array(pool.n).keys()].sort((a, b) => u[a] - u[b]);
  const pos = order.filter((i) => pool.y[i] > 0),
    neg = order.filter((i) => pool.y[i] < 0);
  const pick = Array.from({ length: cfg.N }, (_, n) => (n % 2 === 0 ? pos : neg)[Math.floor(n / 2)]).filter(
    (i) => i !== undefined,
  );
  if (pick.length < cfg.N) throw new Error(`implicit-bias: the pool has too few images of one class for N = ${cfg.N}`);
  const x = new Float64Array(cfg.N * D);
  pick.forEach((i, n) => x.set(pool.x.subarray(i * D, i * D + D), n * D));
  const y = pick.map((i) => pool.y[i]);
  return { x, y, problem: marginProblem(x, y, cfg.N, D) };
}

/** The predicted limits of a problem, each at unit margin: l2 max-margin, and the reweighted Fourier-l1 and l1 (quasi-norm 2/L) solutions. */
export function solveLimits(p: MarginProblem, H: number, W: number, L: number): Limits {
  const l2 = l2MaxMargin(p);
  const q = 2 / L;
  const F = fourierL1Norm(H, W),
    I = l1Norm(H * W);
  const f = reweightedMaxMargin(p, F, Math.min(q, 1));
  const l = reweightedMaxMargin(p, I, Math.min(q, 1));
  return {
    l2: Array.from(l2.beta),
    fourier: Array.from(f.beta),
    l1: Array.from(l.beta),
    gaps: { l2: l2.gap, fourier: f.l1Gap, l1: l.l1Gap },
    l2Margin: 1 / Math.sqrt(2 * l2.value),
    limitCosine: cosine(l2.beta, f.beta),
    crossGap: {
      l2InFourier: groupNormValue(F, l2.beta, undefined, q) / f.value - 1,
      fourierInL2: norm2(f.beta) / norm2(l2.beta) - 1,
    },
  };
}

/** Progress and caching hooks of implicitBias(). */
export interface ImplicitBiasHooks {
  progress?: (label: string, done: number, total: number) => void;
  /** Cache of finished runs (the experiment framework's `part`). */
  cached?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  /** Real signals to draw problems from (cfg.data other than 'gaussian'); see imagePool. */
  pool?: SignalPool;
}

/** Parse a family list such as 'fc+conv+diag' (checked against FAMILIES). */
export function parseFamilies(s: string): Family[] {
  const fams = s
    .split(/[+,\s]+/)
    .map((v) => v.trim())
    .filter(Boolean);
  for (const f of fams)
    if (!(FAMILIES as readonly string[]).includes(f))
      throw new Error(`implicit-bias: unknown family '${f}' (known: ${FAMILIES.join(', ')})`);
  return fams as Family[];
}

/** Run the whole study (every seed, every family). */
export async function implicitBias(cfg: ImplicitBiasConfig, hooks: ImplicitBiasHooks = {}): Promise<ProblemResult[]> {
  const families = parseFamilies(cfg.families);
  const D = cfg.H * cfg.W;
  if (!(cfg.N >= 1 && D >= 2)) throw new Error('implicit-bias: need N >= 1 and D >= 2');
  const prev = engine.backend;
  if (cfg.precision === 'float64') await setBackend(float64Backend());
  else if (!engine.backend.syncRead)
    throw new Error(
      `implicit-bias: precision 'current' needs a CPU backend (synchronous reads); ${engine.backend.name} is not one`,
    );
  const cached = hooks.cached ?? (<T>(_k: string, fn: () => Promise<T>) => fn());
  const total = cfg.seeds * families.length;
  const out: ProblemResult[] = [];
  try {
    for (let s = 0; s < cfg.seeds; s++) {
      const seed = cfg.seed + s;
      if (cfg.data !== 'gaussian' && !hooks.pool)
        throw new Error(`implicit-bias: data '${cfg.data}' needs a pool of signals (the experiment loads it)`);
      let draw = 0,
        prob = drawProblem(cfg, seed * 1000 + draw, hooks.pool),
        limits = solveLimits(prob.problem, cfg.H, cfg.W, cfg.L);
      const distinct = (l: Limits): boolean =>
        l.limitCosine <= cfg.maxLimitCosine &&
        Math.min(l.crossGap.l2InFourier, l.crossGap.fourierInL2) >= cfg.minCrossGap;
      while (!distinct(limits)) {
        if (++draw >= 1000)
          throw new Error(
            `implicit-bias: no draw in 1000 with cos(l2, fourier) <= ${cfg.maxLimitCosine} and cross gaps >= ${cfg.minCrossGap}`,
          );
        prob = drawProblem(cfg, seed * 1000 + draw, hooks.pool);
        limits = solveLimits(prob.problem, cfg.H, cfg.W, cfg.L);
      }
      const runs: RunResult[] = [];
      for (const family of families) {
        hooks.progress?.(`${family} seed ${seed}`, out.length * families.length + runs.length, total);
        runs.push(await cached(`run-${family}-seed${seed}`, async () => trainOne(cfg, family, seed, prob, limits)));
      }
      out.push({ seed, draws: draw + 1, x: Array.from(prob.x), y: prob.y, limits, runs });
    }
  } finally {
    if (engine.backend !== prev) await setBackend(prev);
  }
  hooks.progress?.('done', total, total);
  return out;
}

function trainOne(
  cfg: ImplicitBiasConfig,
  family: Family,
  seed: number,
  prob: { x: Float64Array; y: number[]; problem: MarginProblem },
  limits: Limits,
): RunResult {
  const spec: NetSpec = { family, L: cfg.L, H: cfg.H, W: cfg.W, k: cfg.k, width: cfg.width || undefined };
  const params = initParams(spec, cfg.init, seed);
  const F = fourierL1Norm(cfg.H, cfg.W);
  const checkpoints: Checkpoint[] = [];
  const t0 = performance.now();
  trainNet(spec, params, prob.x, prob.y, {
    loss: cfg.loss,
    schedule: cfg.schedule,
    lr: cfg.lr,
    decay: cfg.decay,
    decaySteps: cfg.decaySteps,
    steps: cfg.steps,
    checkpoints: logSpacedSteps(cfg.steps, cfg.checkpoints),
    onCheckpoint: (step, ps, logLoss) => {
      const beta = responseBeta(spec, ps);
      checkpoints.push(measure(step, logLoss, beta, prob.problem, limits, F));
    },
  });
  const beta = responseBeta(spec, params);
  const g = family === 'conv' ? F : family === 'diag' ? l1Norm(cfg.H * cfg.W) : null;
  const stationarity =
    cfg.L > 2 && g ? cosine(beta, reweightedMaxMargin(prob.problem, g, 2 / cfg.L, { start: beta }).beta) : undefined;
  return { family, seed, checkpoints, beta: Array.from(beta), stationarity, seconds: (performance.now() - t0) / 1000 };
}

/** The observables of one beta against the limits. */
export function measure(
  step: number,
  logLoss: number,
  beta: Float64Array,
  p: MarginProblem,
  limits: Limits,
  F: GroupNorm,
): Checkpoint {
  const mags = groupMagnitudes(F, beta);
  const mx = Math.max(...mags),
    l1 = mags.reduce((a, b) => a + b, 0),
    l2 = Math.sqrt(mags.reduce((a, b) => a + b * b, 0));
  const nb = Math.sqrt(beta.reduce((a, b) => a + b * b, 0));
  return {
    step,
    logLoss,
    cos: { l2: cosine(beta, limits.l2), fourier: cosine(beta, limits.fourier), l1: cosine(beta, limits.l1) },
    l2MarginRatio: nb > 0 ? minMargin(p, beta) / nb / limits.l2Margin : 0,
    spectrum: Array.from(mags, (m) => (mx > 0 ? m / mx : 0)),
    fourierSparsity: l2 > 0 ? l1 / l2 : 0,
  };
}
