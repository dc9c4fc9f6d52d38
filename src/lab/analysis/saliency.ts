// Saliency beta = d(logit)/dx and the Fourier comparison of beta and delta.
import type { Tensor } from '../../engine/tensor.ts';
import { tidy } from '../../engine/tensor.ts';
import { valueAndGrad } from '../../engine/autograd/backward.ts';
import { max, sum } from '../../engine/ops/reduce.ts';
import { index } from '../../engine/ops/layout.ts';
import { mul } from '../../engine/ops/elementwise.ts';
import { oneHot } from '../../engine/ops/creation.ts';
import type { Classifier } from '../nn/types.ts';
import { spectra, type DftNorm, type ImageSet } from './fourier.ts';
import { spearman, meanOf } from './stats.ts';

/**
 * Which logit beta differentiates: 'max' = max_k z_k(x) (the paper's code),
 * 'label' = z_{y}(x) for the given labels, or a fixed class index k.
 */
export type LogitChoice = 'max' | 'label' | number;

/**
 * beta_n = d z_{k_n}(x_n) / d x_n for every example of x [N, C, H, W]: the
 * gradient of sum_n z_{k_n}(x_n) with respect to x (examples do not interact
 * when the model is in evaluation mode). Returns a tensor shaped like x.
 */
export function saliency(
  model: Classifier,
  x: Tensor,
  opts: { logit?: LogitChoice; labels?: ArrayLike<number> } = {},
): Tensor {
  const choice = opts.logit ?? 'max';
  if (choice === 'label' && (!opts.labels || opts.labels.length !== x.shape[0])) {
    throw new Error(`saliency: logit 'label' needs ${x.shape[0]} labels, got ${opts.labels?.length ?? 'none'}`);
  }
  if (typeof choice === 'number' && (!Number.isInteger(choice) || choice < 0 || choice >= model.numClasses)) {
    throw new Error(`saliency: class index ${choice} is not in [0, ${model.numClasses})`);
  }
  const f = (xi: Tensor): Tensor => {
    const z = model.forward(xi);
    if (choice === 'max') return sum(max(z, 1));
    if (choice === 'label') return sum(mul(z, oneHot(opts.labels!, model.numClasses, z.backend)));
    return sum(index(z, 1, choice));
  };
  return tidy(() => {
    const { value, grads } = valueAndGrad(f)(x);
    value.dispose();
    return grads[0];
  });
}

/**
 * The paper code's preprocessing of beta before its spectrum: per example,
 * z-score over all C*H*W values, absolute value, min-max scale to [0, 1], then
 * the mean over channels -> [N, 1, H, W]. `abs: false` skips the absolute value (the
 * second reading of the paper's preprocessing, issue 17).
 */
export function paperBetaPreprocess(beta: ImageSet, opts: { abs?: boolean } = {}): ImageSet {
  const abs = opts.abs ?? true;
  const [n, c, h, w] = beta.shape;
  const per = c * h * w,
    hw = h * w;
  const out = new Float64Array(n * hw);
  const tmp = new Float64Array(per);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < per; j++) m += beta.data[i * per + j];
    m /= per;
    let v = 0;
    for (let j = 0; j < per; j++) v += (beta.data[i * per + j] - m) ** 2;
    const sd = Math.sqrt(v / per) || 1;
    let lo = Infinity,
      hi = -Infinity;
    for (let j = 0; j < per; j++) {
      const z = (beta.data[i * per + j] - m) / sd;
      tmp[j] = abs ? Math.abs(z) : z;
      lo = Math.min(lo, tmp[j]);
      hi = Math.max(hi, tmp[j]);
    }
    const span = hi - lo || 1;
    for (let p = 0; p < hw; p++) {
      let s = 0;
      for (let ch = 0; ch < c; ch++) s += (tmp[ch * hw + p] - lo) / span;
      out[i * hw + p] = s / c;
    }
  }
  return { data: out, shape: [n, 1, h, w] };
}

/** Options of betaDeltaSpearman(): preprocessing of beta, DFT scale, tie tolerance. */
export interface CorrelationOptions {
  /** 'grey' (default): both beta and delta are converted to grey before the DFT. 'paper': beta gets paperBetaPreprocess, delta grey; 'paper-noabs': the same without the absolute value. */
  betaPreprocess?: 'grey' | 'paper' | 'paper-noabs';
  norm?: DftNorm;
  /**
   * Magnitudes are rounded to multiples of tieTolerance * max|X| before ranking
   * (default 1e-9), so that coefficients equal in exact arithmetic (|X[u,v]| =
   * |X[-u,-v]| for real images) tie exactly instead of being ordered by
   * rounding noise. 0 disables it.
   */
  tieTolerance?: number;
}

function quantise(v: Float64Array, tol: number): Float64Array {
  if (tol <= 0) return v;
  let m = 0;
  for (const a of v) m = Math.max(m, Math.abs(a));
  const q = tol * m;
  return q > 0 ? v.map((a) => Math.round(a / q)) : v;
}

/**
 * Spearman correlation of |beta_hat| and |delta_hat| (centred |DFT| of the
 * grey images, all H*W frequencies). Returns the per-example correlations, their
 * mean, and the correlation of the two example-averaged spectra.
 */
export function betaDeltaSpearman(
  beta: ImageSet,
  delta: ImageSet,
  opts: CorrelationOptions = {},
): { perExample: number[]; mean: number; ofAverages: number } {
  if (beta.shape.join() !== delta.shape.join())
    throw new Error(
      `betaDeltaSpearman: beta [${beta.shape.join(', ')}] and delta [${delta.shape.join(', ')}] differ in shape`,
    );
  const b =
    opts.betaPreprocess === 'paper' || opts.betaPreprocess === 'paper-noabs'
      ? paperBetaPreprocess(beta, { abs: opts.betaPreprocess === 'paper' })
      : beta;
  const sb = spectra(b, { mode: 'grey', scale: 'magnitude', norm: opts.norm });
  const sd = spectra(delta, { mode: 'grey', scale: 'magnitude', norm: opts.norm });
  const [n, , h, w] = sd.shape;
  const hw = h * w;
  const perExample: number[] = [];
  const tol = opts.tieTolerance ?? 1e-9;
  const avgB = new Float64Array(hw),
    avgD = new Float64Array(hw);
  for (let i = 0; i < n; i++) {
    const vb = sb.data.subarray(i * hw, (i + 1) * hw),
      vd = sd.data.subarray(i * hw, (i + 1) * hw);
    perExample.push(spearman(quantise(vb, tol), quantise(vd, tol)));
    for (let j = 0; j < hw; j++) {
      avgB[j] += vb[j] / n;
      avgD[j] += vd[j] / n;
    }
  }
  const finite = perExample.filter(Number.isFinite);
  return { perExample, mean: meanOf(finite), ofAverages: n ? spearman(quantise(avgB, tol), quantise(avgD, tol)) : NaN };
}
