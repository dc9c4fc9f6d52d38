// Neural-network ops: log-softmax, cross-entropy, convolutions (bounded-width,
// locally connected, full-width circular), batch norm, pooling.
import type { Buffer, CircConvParams, ConvParams, PadMode } from '../backends/backend.ts';
import { needsGrad, record, Tensor, wrap } from '../tensor.ts';
import { fmt, normAxis, ShapeError } from '../core/shape.ts';
import { backendOf, requireRank } from './util.ts';
import { add, exp, mul, neg, sqrt, sub, div, square } from './elementwise.ts';
import { mean, sum } from './reduce.ts';
import { reshape, transpose } from './layout.ts';
import { oneHot } from './creation.ts';

/** log softmax along an axis (default last). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis('logSoftmax', axis, x.rank);
  if (ax !== x.rank - 1) {
    const perm = x.shape.map((_, i) => i);
    perm.splice(ax, 1);
    perm.push(ax);
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inv[p] = i;
    });
    return transpose(logSoftmax(transpose(x, perm)), inv);
  }
  const be = backendOf('logSoftmax', x);
  const n = x.shape[x.rank - 1];
  const y = wrap(be.logSoftmax(x.buffer, x.size / Math.max(n, 1), n), x.shape, be);
  return record(y, 'logSoftmax', [x], (g) => [sub(g, mul(exp(y), sum(g, -1, true)))]);
}

/** Softmax along `axis` (exp of log-softmax, so it is stable for large logits). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

/**
 * Softmax cross-entropy of logits [N, K] against integer labels or one-hot /
 * probability targets [N, K]. reduction 'mean' (default), 'sum' or 'none' ([N]).
 */
export function crossEntropy(
  logits: Tensor,
  labels: ArrayLike<number> | Tensor,
  reduction: 'mean' | 'sum' | 'none' = 'mean',
): Tensor {
  requireRank('crossEntropy', logits, 2, 'logits');
  const [N, K] = logits.shape;
  let target: Tensor;
  let owned = false;
  if (labels instanceof Tensor) {
    if (labels.rank !== 2 || labels.shape[0] !== N || labels.shape[1] !== K)
      throw new ShapeError('crossEntropy', `targets ${fmt(labels.shape)} do not match logits ${fmt(logits.shape)}`);
    target = labels;
  } else {
    if (labels.length !== N)
      throw new ShapeError('crossEntropy', `${labels.length} labels for ${N} rows of logits ${fmt(logits.shape)}`);
    target = oneHot(labels, K, logits.backend);
    owned = true;
  }
  const per = neg(sum(mul(logSoftmax(logits), target), -1));
  void owned; // the one-hot tensor is freed by the enclosing tidy(), or with the graph
  if (reduction === 'none') return per;
  return reduction === 'sum' ? sum(per) : mean(per);
}

/** Padding of a convolution: one amount for all sides, 'same', 'valid', [vertical, horizontal] or [top, bottom, left, right]. */
export type Padding = number | 'same' | 'valid' | readonly [number, number] | readonly [number, number, number, number];

/** Stride, padding and padding mode (zeros or circular) of conv2d and local2d. */
export interface Conv2dOptions {
  stride?: number;
  /** Per-side padding: a number for all sides, [vertical, horizontal], [top, bottom, left, right], 'same' (k odd) or 'valid'. */
  padding?: Padding;
  /** What padded cells hold: zeros (default) or the wrapped-around image. */
  mode?: PadMode;
}

/** The three kernels of a layer that is bilinear in its input and weight (conv2d, local2d, circConv2d). */
interface BilinearKernels {
  fwd(x: Buffer, w: Buffer): Buffer;
  gradInput(g: Buffer, w: Buffer): Buffer;
  gradFilter(x: Buffer, g: Buffer): Buffer;
}

/**
 * y = F(x, w) for a bilinear F, with its gradients as recorded ops so that they can be
 * differentiated again (backward with createGraph). With <h, .> the pairing of outputs:
 * gradInput(g, w) is bilinear in (g, w), its adjoint in g is F(., w) and in w is
 * gradFilter(., g); gradFilter(x, g) has adjoints gradInput(g, .) and F(x, .).
 */
function bilinear(
  op: string,
  k: BilinearKernels,
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: number[],
  attrs: Record<string, unknown>,
): (x: Tensor, w: Tensor) => Tensor {
  const fwd = (x: Tensor, w: Tensor): Tensor =>
    record(
      wrap(k.fwd(x.buffer, w.buffer), yShape, x.backend),
      op,
      [x, w],
      (g) => [needsGrad(x) ? gradInput(g, w) : null, needsGrad(w) ? gradFilter(x, g) : null],
      attrs,
    );
  const gradInput = (g: Tensor, w: Tensor): Tensor =>
    record(
      wrap(k.gradInput(g.buffer, w.buffer), [...xShape], g.backend),
      `${op}GradInput`,
      [g, w],
      (h) => [needsGrad(g) ? fwd(h, w) : null, needsGrad(w) ? gradFilter(h, g) : null],
      attrs,
    );
  const gradFilter = (x: Tensor, g: Tensor): Tensor =>
    record(
      wrap(k.gradFilter(x.buffer, g.buffer), [...wShape], x.backend),
      `${op}GradFilter`,
      [x, g],
      (h) => [needsGrad(x) ? gradInput(g, h) : null, needsGrad(g) ? fwd(x, h) : null],
      attrs,
    );
  return fwd;
}

/** Validate a convolution call and compute its kernel parameters (output size, explicit padding); errors name the op and the shapes. */
export function convParams(
  op: string,
  x: Tensor,
  kh: number,
  kw: number,
  O: number,
  wC: number,
  opts: Conv2dOptions,
): ConvParams {
  requireRank(op, x, 4, 'input [N, C, H, W]');
  const [N, C, H, W] = x.shape;
  if (wC !== C) throw new ShapeError(op, `input ${fmt(x.shape)} has ${C} channels but the weight expects ${wC}`);
  const stride = opts.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1)
    throw new ShapeError(op, `stride must be a positive integer, got ${stride}`);
  const pad = opts.padding ?? 0;
  let t: number, b: number, l: number, r: number;
  if (pad === 'valid') t = b = l = r = 0;
  else if (pad === 'same') {
    if (kh % 2 === 0 || kw % 2 === 0)
      throw new ShapeError(op, `'same' padding needs odd kernel sizes, got ${kh}x${kw}`);
    t = b = (kh - 1) / 2;
    l = r = (kw - 1) / 2;
  } else if (typeof pad === 'number') t = b = l = r = pad;
  else if (pad.length === 2) {
    t = b = pad[0];
    l = r = pad[1];
  } else [t, b, l, r] = pad;
  for (const v of [t, b, l, r])
    if (!Number.isInteger(v) || v < 0)
      throw new ShapeError(op, `padding must be non-negative integers, got ${JSON.stringify(pad)}`);
  const mode = opts.mode ?? 'zero';
  if (mode === 'circular' && (t > H || b > H || l > W || r > W))
    throw new ShapeError(op, `circular padding ${JSON.stringify(pad)} exceeds the image ${H}x${W}`);
  const Ho = Math.floor((H + t + b - kh) / stride) + 1,
    Wo = Math.floor((W + l + r - kw) / stride) + 1;
  if (Ho < 1 || Wo < 1) throw new ShapeError(op, `kernel ${kh}x${kw} is larger than the padded input ${fmt(x.shape)}`);
  return { N, C, H, W, O, kh, kw, stride, padTop: t, padBottom: b, padLeft: l, padRight: r, mode, Ho, Wo };
}

/** 2-D convolution (cross-correlation) of x [N,C,H,W] with w [O,C,kh,kw], plus optional bias [O]. */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const be = backendOf('conv2d', x, w);
  requireRank('conv2d', w, 4, 'weight [O, C, kh, kw]');
  const p = convParams('conv2d', x, w.shape[2], w.shape[3], w.shape[0], w.shape[1], opts);
  const y = bilinear(
    'conv2d',
    {
      fwd: (a, b) => be.conv2d(a, b, p),
      gradInput: (g, b) => be.conv2dGradInput(g, b, p),
      gradFilter: (a, g) => be.conv2dGradFilter(a, g, p),
    },
    x.shape,
    w.shape,
    [p.N, p.O, p.Ho, p.Wo],
    { ...p },
  )(x, w);
  return bias ? add(y, reshape(bias, [1, p.O, 1, 1])) : y;
}

/**
 * Locally connected layer: like conv2d but with unshared weights
 * w [O, C, Ho, Wo, kh*kw] (one filter per output position); optional bias [O, Ho, Wo].
 */
export function local2d(
  x: Tensor,
  w: Tensor,
  kernel: [number, number],
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  const be = backendOf('local2d', x, w);
  requireRank('local2d', w, 5, 'weight [O, C, Ho, Wo, kh*kw]');
  const [kh, kw] = kernel;
  const p = convParams('local2d', x, kh, kw, w.shape[0], w.shape[1], opts);
  if (w.shape[2] !== p.Ho || w.shape[3] !== p.Wo || w.shape[4] !== kh * kw) {
    throw new ShapeError(
      'local2d',
      `weight ${fmt(w.shape)} does not fit output ${p.Ho}x${p.Wo} with kernel ${kh}x${kw} (want [${p.O}, ${p.C}, ${p.Ho}, ${p.Wo}, ${kh * kw}])`,
    );
  }
  const y = bilinear(
    'local2d',
    {
      fwd: (a, b) => be.local2d(a, b, p),
      gradInput: (g, b) => be.local2dGradInput(g, b, p),
      gradFilter: (a, g) => be.local2dGradFilter(a, g, p),
    },
    x.shape,
    w.shape,
    [p.N, p.O, p.Ho, p.Wo],
    { ...p },
  )(x, w);
  return bias ? add(y, reshape(bias, [1, p.O, p.Ho, p.Wo])) : y;
}

/**
 * Full-width circular convolution (cross-correlation) with an exact H x W output:
 * out[n,o,i,j] = sum_{c,u,v} w[o,c,u,v] x[n,c,(i+u) mod H,(j+v) mod W], w [O,C,H,W].
 * Backends compute it through the FFT in O(HW log HW) per channel pair.
 */
export function circConv2d(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  const be = backendOf('circConv2d', x, w);
  requireRank('circConv2d', x, 4, 'input [N, C, H, W]');
  requireRank('circConv2d', w, 4, 'weight [O, C, H, W]');
  const [N, C, H, W] = x.shape;
  if (w.shape[1] !== C || w.shape[2] !== H || w.shape[3] !== W)
    throw new ShapeError(
      'circConv2d',
      `weight ${fmt(w.shape)} must be [O, ${C}, ${H}, ${W}] for input ${fmt(x.shape)}`,
    );
  const p: CircConvParams = { N, C, O: w.shape[0], H, W };
  const y = bilinear(
    'circConv2d',
    {
      fwd: (a, b) => be.circConv2d(a, b, p),
      gradInput: (g, b) => be.circConv2dGradInput(g, b, p),
      gradFilter: (a, g) => be.circConv2dGradFilter(a, g, p),
    },
    x.shape,
    w.shape,
    [N, p.O, H, W],
    { ...p },
  )(x, w);
  return bias ? add(y, reshape(bias, [1, p.O, 1, 1])) : y;
}

/** Running mean and variance of a batch-norm layer (updated in training mode). */
export interface BatchNormState {
  runningMean: Tensor;
  runningVar: Tensor;
}

/**
 * Batch normalisation over N (and H, W for 4-D input), per channel (axis 1).
 * Training: batch statistics (biased variance), and the running statistics are
 * replaced by momentum-blended ones (unbiased variance, as PyTorch). Eval: running statistics.
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  state: BatchNormState | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): { y: Tensor; newMean?: Tensor; newVar?: Tensor } {
  if (x.rank !== 2 && x.rank !== 4)
    throw new ShapeError('batchNorm', `input must be [N, C] or [N, C, H, W], got ${fmt(x.shape)}`);
  const C = x.shape[1];
  if (gamma.size !== C || beta.size !== C)
    throw new ShapeError('batchNorm', `gamma ${fmt(gamma.shape)} / beta ${fmt(beta.shape)} must have ${C} entries`);
  const axes = x.rank === 4 ? [0, 2, 3] : [0];
  const bshape = x.rank === 4 ? [1, C, 1, 1] : [1, C];
  let mu: Tensor, variance: Tensor;
  let newMean: Tensor | undefined, newVar: Tensor | undefined;
  if (training || !state) {
    mu = mean(x, axes, true);
    variance = mean(square(sub(x, mu)), axes, true);
    if (state) {
      const n = x.size / C;
      const m = reshape(mu, [C]),
        v = reshape(variance, [C]);
      newMean = add(mul(state.runningMean, 1 - momentum), mul(m, momentum));
      newVar = add(mul(state.runningVar, 1 - momentum), mul(v, (momentum * n) / Math.max(n - 1, 1)));
    }
  } else {
    mu = reshape(state.runningMean, bshape);
    variance = reshape(state.runningVar, bshape);
  }
  const xhat = div(sub(x, mu), sqrt(add(variance, eps)));
  const y = add(mul(xhat, reshape(gamma, bshape)), reshape(beta, bshape));
  return { y, newMean, newVar };
}

/** Average pooling with a k x k window and stride k (H and W divisible by k). */
export function avgPool2d(x: Tensor, k: number): Tensor {
  requireRank('avgPool2d', x, 4, 'input [N, C, H, W]');
  const [N, C, H, W] = x.shape;
  if (H % k !== 0 || W % k !== 0)
    throw new ShapeError('avgPool2d', `input ${fmt(x.shape)} is not divisible by the window ${k}`);
  return mean(reshape(x, [N, C, H / k, k, W / k, k]), [3, 5]);
}

/** Mean over H and W: [N, C, H, W] -> [N, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  requireRank('globalAvgPool', x, 4, 'input [N, C, H, W]');
  return mean(x, [2, 3]);
}
