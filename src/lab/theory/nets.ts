// The parametrisations of Gunasekar et al. (2018), trained by gradient descent
// with the engine's ops and autograd (float64 on the reference backend):
//   fc      linear fully connected, L layers, hidden width `width`
//   conv    linear full-width circular convolution, L layers, one channel, no
//           biases: h_l = (1/sqrt(D)) w_l * h_{l-1} (cross-correlation), output <h_{L-1}, w_L>
//   bwc     the same with kernels of k x k taps (k < the signal size): bounded width
//   diag    linear diagonal network: beta = w_1 (.) w_2 (.) ... (.) w_L
//   fc-relu the fc network with a ReLU after each hidden layer (a contrast: not linear)
// beta is the network's response to each basis input, f(e_d) (for linear
// networks, the linear predictor it computes).
import { tensor } from '../../engine/ops/creation.ts';
import { mul, relu } from '../../engine/ops/elementwise.ts';
import { sum } from '../../engine/ops/reduce.ts';
import { reshape } from '../../engine/ops/layout.ts';
import { matmul } from '../../engine/ops/linalg.ts';
import { circConv2d } from '../../engine/ops/nn.ts';
import { backward } from '../../engine/autograd/backward.ts';
import { engine, noGrad, tidy, type Tensor } from '../../engine/tensor.ts';
import { normalArray } from '../../engine/core/random.ts';

/** The linear network families of the theory: fc, conv (full-width circular), bwc, diag, fc-relu. */
export const FAMILIES = ['fc', 'conv', 'bwc', 'diag', 'fc-relu'] as const;
/** One of FAMILIES. */
export type Family = (typeof FAMILIES)[number];

/** A network of the theory: family, depth L, signal shape, kernel size, width. */
export interface NetSpec {
  family: Family;
  /** Number of layers (>= 2 for fc/conv/bwc, >= 1 for diag). */
  L: number;
  /** Signal shape H x W (H = 1: 1-D signals of length W). */
  H: number;
  W: number;
  /** Hidden width of fc networks (default H*W). */
  width?: number;
  /** Kernel taps per axis of bwc (k x k in 2-D, k in 1-D). */
  k?: number;
}

/** Parameter shapes of a network, in order. */
export function paramShapes(s: NetSpec): number[][] {
  const D = s.H * s.W,
    width = s.width ?? D;
  if (s.family === 'fc' || s.family === 'fc-relu') {
    if (s.L < 2) throw new Error(`${s.family}: L must be >= 2`);
    return [[D, width], ...Array.from({ length: s.L - 2 }, () => [width, width]), [width, 1]];
  }
  if (s.family === 'conv' || s.family === 'bwc') {
    if (s.L < 2) throw new Error(`${s.family}: L must be >= 2`);
    if (s.family === 'bwc' && !(s.k && s.k >= 1 && s.k < Math.max(s.H, s.W)))
      throw new Error(`bwc: the kernel size k must be in [1, ${Math.max(s.H, s.W)}), got ${s.k}`);
    return Array.from({ length: s.L }, () => [s.H, s.W]);
  }
  if (s.family === 'diag') return Array.from({ length: Math.max(1, s.L) }, () => [D]);
  throw new Error(`unknown family '${(s as NetSpec).family}' (known: ${FAMILIES.join(', ')})`);
}

/** 1 on the k x k (1-D: k) taps a bounded-width kernel may use, 0 elsewhere. */
function kernelMask(s: NetSpec): Float64Array {
  const m = new Float64Array(s.H * s.W),
    k = s.k ?? s.W;
  for (let r = 0; r < s.H; r++) for (let c = 0; c < s.W; c++) m[r * s.W + c] = (s.H === 1 || r < k) && c < k ? 1 : 0;
  return m;
}

/** Initial parameters: normal with standard deviation `scale` (masked taps zero for bwc). */
export function initParams(s: NetSpec, scale: number, seed: number): Float64Array[] {
  const mask = s.family === 'bwc' ? kernelMask(s) : null;
  return paramShapes(s).map((sh, i) => {
    const n = sh.reduce((a, b) => a * b, 1);
    const v = Float64Array.from(normalArray(n, seed * 7919 + i + 1), (x) => x * scale);
    if (mask && i < s.L - 1) for (let j = 0; j < n; j++) v[j] *= mask[j];
    return v;
  });
}

/** The network's outputs f(x) [N] for inputs x [N, D]. */
export function forwardNet(s: NetSpec, params: Tensor[], x: Tensor): Tensor {
  const N = x.shape[0],
    D = s.H * s.W;
  if (s.family === 'fc' || s.family === 'fc-relu') {
    let h = x;
    params.forEach((w, i) => {
      h = matmul(h, w);
      if (s.family === 'fc-relu' && i < params.length - 1) h = relu(h);
    });
    return reshape(h, [N]);
  }
  if (s.family === 'conv' || s.family === 'bwc') {
    const mask = s.family === 'bwc' ? tensor(kernelMask(s), [1, 1, s.H, s.W]) : null;
    const c = tensor(1 / Math.sqrt(D), []);
    let h = reshape(x, [N, 1, s.H, s.W]);
    for (let l = 0; l < s.L - 1; l++) {
      let w = reshape(params[l], [1, 1, s.H, s.W]);
      if (mask) w = mul(w, mask);
      h = mul(circConv2d(h, w), c);
    }
    return sum(mul(reshape(h, [N, D]), reshape(params[s.L - 1], [1, D])), 1);
  }
  let beta = params[0];
  for (let l = 1; l < params.length; l++) beta = mul(beta, params[l]);
  return reshape(matmul(x, reshape(beta, [D, 1])), [N]);
}

/** beta_d = f(e_d): the response to each basis input. */
export function responseBeta(s: NetSpec, params: Float64Array[]): Float64Array {
  const D = s.H * s.W;
  return noGrad(() =>
    tidy(() => {
      const eye = new Float64Array(D * D);
      for (let d = 0; d < D; d++) eye[d * D + d] = 1;
      return forwardNet(
        s,
        params.map((p, i) => tensor(p, paramShapes(s)[i])),
        tensor(eye, [D, D]),
      ).dataSyncF64();
    }),
  );
}

/** The loss of the theory's training: 'exp' or 'logistic'. */
export type LossName = 'exp' | 'logistic';

/** log(1 + e^u) without overflow. */
const softplus = (u: number): number => (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));
/** log softplus(u): below u = -40, log1p(e^u) = e^u to double precision, so it is u. */
const logSoftplus = (u: number): number => (u < -40 ? u : Math.log(softplus(u)));

/**
 * The log of the summed loss, log sum_n l(m_n), and its gradient with respect
 * to the margins m_n, in float64 on the host (stable at any margin):
 * exp: log sum exp(-m); logistic: log sum softplus(-m). Gradient descent on the
 * log of the loss is normalised GD on the loss (step eta / L(w) times its
 * gradient), the schedule that reaches the asymptotic regime in a few thousand steps.
 */
export function logLoss(m: ArrayLike<number>, loss: LossName): { value: number; grad: Float64Array } {
  const n = m.length;
  // l_n = log loss_n; d log L / d m_n = -exp(log(-d loss_n/d m_n) - log L)
  const l = Float64Array.from(m, (v) => (loss === 'exp' ? -v : logSoftplus(-v)));
  const lmax = Math.max(...l);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(l[i] - lmax);
  const value = lmax + Math.log(s);
  // -d loss/dm: exp: e^{-m}; logistic: sigmoid(-m) = exp(-softplus(m))
  const grad = Float64Array.from(m, (v, i) => -Math.exp((loss === 'exp' ? l[i] : -softplus(v)) - value));
  return { value, grad };
}

/** Gradient-descent settings of trainNet(): loss, step schedule, rate and its decay, steps, checkpoint steps and callback. */
export interface TrainOptions {
  loss: LossName;
  /**
   * normalised: w -= lr_t * grad(log L) / ||w||^(L-2), i.e. the step lr_t / (L(w) ||w||^(L-2))
   * on L itself, which makes the relative step scale-free for L-homogeneous networks;
   * constant: plain GD on L with step lr_t.
   */
  schedule: 'normalised' | 'constant';
  lr: number;
  /** Step at step t: lr / (1 + t / decaySteps)^decay (decay 0: constant). */
  decay?: number;
  decaySteps?: number;
  steps: number;
  /** Steps at which to call onCheckpoint (besides step 0 and the last). */
  checkpoints?: number[];
  onCheckpoint?: (step: number, params: Float64Array[], logLossValue: number) => void;
}

/**
 * Gradient descent on the network's parameters for the problem's rows
 * (x [N, D] and labels y in {-1, +1}). Parameters are host float64 arrays,
 * updated in place. Returns the final log-loss.
 */
export function trainNet(
  s: NetSpec,
  params: Float64Array[],
  x: Float64Array,
  y: ArrayLike<number>,
  opts: TrainOptions,
): number {
  const N = y.length,
    D = s.H * s.W,
    shapes = paramShapes(s);
  const marks = new Set(opts.checkpoints ?? []);
  const degree = shapes.length; // f(c w) = c^degree f(w)
  const big = engine.backend.dtype === 'float64' ? 1e100 : 1e30;
  let last = NaN;
  for (let step = 0; step <= opts.steps; step++) {
    const { value, grads } = tidy(() => {
      const ps = params.map((p, i) => tensor(p, shapes[i]).requireGrad());
      const f = forwardNet(s, ps, tensor(x, [N, D]));
      const fv = f.dataSyncF64();
      const ll = logLoss(
        Float64Array.from(fv, (v, n) => y[n] * v),
        opts.loss,
      );
      // chain rule through m_n = y_n f_n: the network's backward pass seeded with y_n dlogL/dm_n
      const g = backward(f, {
        targets: ps,
        seed: tensor(
          ll.grad.map((v, n) => v * y[n]),
          [N],
        ),
      });
      return { value: ll.value, grads: ps.map((p) => g.get(p)?.dataSyncF64() ?? new Float64Array(p.size)) };
    });
    last = value;
    if (!Number.isFinite(value))
      throw new Error(`trainNet: ${s.family} loss became ${value} at step ${step} (lower lr)`);
    if (step === 0 || step === opts.steps || marks.has(step)) opts.onCheckpoint?.(step, params, value);
    if (step === opts.steps) break;
    // normalised: the gradient of log L is grad L / L; constant: plain GD on L itself
    const lr = opts.lr / (1 + step / (opts.decaySteps ?? 100)) ** (opts.decay ?? 0);
    const wn = Math.sqrt(params.reduce((a, p) => a + p.reduce((b, v) => b + v * v, 0), 0));
    const f = opts.schedule === 'normalised' ? lr / wn ** (degree - 2) : lr * Math.exp(value);
    params.forEach((p, i) => {
      const g = grads[i];
      for (let j = 0; j < p.length; j++) p[j] -= f * g[j];
    });
    // Normalised GD grows the weights geometrically. Once the margins pass 1e100
    // (float32: 1e30) the loss weights exp(-m_n) / sum are one-hot to the
    // precision (and the normalised step is scale-free), so shrinking every layer
    // by the same factor changes nothing but keeps the numbers far from overflow.
    if (opts.schedule === 'normalised' && -value > big) {
      const c = (Math.sqrt(big) / -value) ** (1 / degree);
      for (const p of params) for (let j = 0; j < p.length; j++) p[j] *= c;
    }
  }
  return last;
}

/** About `count` log-spaced integer steps in [1, steps]. */
export function logSpacedSteps(steps: number, count: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round(Math.exp((Math.log(steps) * i) / Math.max(count - 1, 1))));
  return [...out].filter((v) => v >= 1 && v <= steps).sort((a, b) => a - b);
}
