// Shared experiment steps: attack a model, take the saliency map, and compute
// every Fourier statistic of delta and beta (spectra, radial/angular energy,
// Fourier norms, Spearman correlation). Results are plain JSON.
//
// Attacks run in chunks of images (memory: 2,000 images of a deep BWC in one
// batch need more than the 2 GiB WASM memory); each chunk's statistics are a
// resumable part, so an interrupted run loses at most the chunk in progress.
// A chunk keeps per-image scalars and SUMS of spectra, never the perturbations
// themselves, so merging chunks is exact and the parts stay small.
import { tensor } from '../../engine/ops/creation.ts';
import type { Classifier } from '../nn/types.ts';
import type { Split } from '../data/dataset.ts';
import { attackNorm, runNamedAttack, type NamedAttackOptions } from '../attacks/named.ts';
import { normsOf } from '../attacks/common.ts';
import {
  angularEnergy,
  fourierNorms,
  fullRadial,
  normalise,
  radialEnergy,
  spectra,
  type ImageSet,
} from '../analysis/fourier.ts';
import { betaDeltaSpearman, paperBetaPreprocess, saliency } from '../analysis/saliency.ts';
import { meanOf, spearman, stdOf } from '../analysis/stats.ts';
import { roundArray } from './common.ts';

/** Images [N, C, H, W] in [0, 1] with their labels, on the host. */
export interface Batch {
  /** [N, C, H, W] float data in [0, 1]. */
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array | number[];
}

/** The first `limit` examples of a split as a float batch. */
export function splitToBatch(s: Split, shape: readonly number[], limit?: number, start = 0): Batch {
  const n = Math.max(0, (limit === undefined ? s.n : Math.min(start + limit, s.n)) - start);
  const d = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = s.x[start * d + i] * s.scale;
  return { x, shape: [n, shape[0], shape[1], shape[2]], labels: Array.from(s.y.subarray(start, start + n)) };
}

/** Mean and standard deviation of a statistic over images. */
export interface NormStats {
  mean: number;
  std: number;
}

/**
 * Per-image statistics (one value per used image, in image order), for intervals over images.
 * Norms are of the grey image's DFT on NumPy's scale ('backward'); beta readings: raw gradient,
 * 'paper' (z-score, abs, min-max, channel mean) and 'noAbs' (the same without abs).
 */
export const PER_IMAGE_KEYS = [
  'spearman',
  'spearmanPaper',
  'spearmanNoAbs',
  'spearmanShuffled',
  'spearmanPaperShuffled',
  'deltaL1',
  'deltaL2',
  'betaL1',
  'betaL2',
  'paperBetaL1',
  'paperBetaL2',
  'noAbsBetaL1',
  'noAbsBetaL2',
  'betaSparsity',
  'highShare',
  'linf',
  'l2',
] as const;
export type PerImageKey = (typeof PER_IMAGE_KEYS)[number];

/** Every Fourier statistic of one attacked model: norms of delta and beta, spectra, radial and angular energy, Spearman correlations. */
export interface FourierAnalysis {
  /** Examples used (successful attacks on correctly classified inputs; all attacked ones if there were none). */
  used: number;
  attacked: number;
  cleanAccuracy: number;
  successRate: number;
  /** Pixel-space norms of delta (mean over used examples). */
  deltaLinf: number;
  deltaL2: number;
  /** Fourier norms of grey delta_hat / beta_hat, unitary DFT (our definition) and NumPy-scaled ('backward', = sqrt(HW) x unitary; the paper's scale). */
  norms: {
    unitary: { deltaL1: NormStats; deltaL2: NormStats; betaL1: NormStats; betaL2: NormStats };
    backward: { deltaL1: NormStats; deltaL2: NormStats; betaL1: NormStats; betaL2: NormStats };
    /** beta after the authors' preprocessing (z-score, abs, min-max to [0,1], channel mean), NumPy scale. */
    paperBeta?: { betaL1: NormStats; betaL2: NormStats };
    /** The same preprocessing without the absolute value (the second reading). */
    noAbsBeta?: { betaL1: NormStats; betaL2: NormStats };
  };
  /**
   * Spearman of |beta_hat| and |delta_hat| (grey): mean over examples, and of the averaged spectra;
   * 'paper'/'noAbs' use the two readings of the authors' beta preprocessing; 'shuffled' pairs each
   * delta with another image's beta (a null baseline).
   */
  spearman: {
    mean: number;
    std: number;
    ofAverages: number;
    paperMean: number;
    noAbsMean?: number;
    shuffledMean?: number;
  };
  /** Averaged centred log-magnitude spectra (grey), [H, W] row-major. */
  spectrumDelta: number[];
  spectrumBeta: number[];
  /** Normalised radial/angular energy of the averaged power spectrum of delta (grey). */
  radial: { centres: number[]; energy: number[] };
  angular: { centresDeg: number[]; energy: number[] };
  /** Share of delta's energy at radius > (H/4) (high frequencies), of the averaged power spectrum. */
  highFrequencyShare: number;
  /** Per-image values of the used images (see PER_IMAGE_KEYS). */
  perImage?: Record<PerImageKey, number[]>;
  /** Images per attack chunk. */
  chunk?: number;
  h: number;
  w: number;
}

/** 40 bins of 9 degrees centred on multiples of 9: the axes (0, 90, ...) and the diagonals (45, 135, ...) are bin centres. */
export const ANGULAR_BINS = 40;

function stats(v: number[]): NormStats {
  return { mean: meanOf(v), std: stdOf(v) };
}

/** The statistics of one chunk: per-image values of every attacked image, and spectrum sums. */
export interface ChunkStats {
  n: number;
  /** 1 where the image counts (attack succeeded on a correctly classified image). */
  success: number[];
  /** Correctly classified clean images. */
  correct: number;
  perImage: Record<PerImageKey, number[]>;
  /** Sums over the successful images ('success') and over all ('all') of grey spectra: |delta_hat|, |beta_hat|, log |.|, |delta_hat|^2. */
  sums: Record<
    'success' | 'all',
    { magDelta: number[]; magBeta: number[]; logDelta: number[]; logBeta: number[]; powDelta: number[] }
  >;
  h: number;
  w: number;
}

const LOG_EPS = 1e-8;

function highShareOf(power: ArrayLike<number>, h: number, w: number): number {
  const rad = radialEnergy(power, h, w, fullRadial(h, w));
  const e = normalise(rad.energy);
  let s = 0;
  rad.centres.forEach((c, i) => {
    if (c > Math.min(h, w) / 4) s += e[i];
  });
  return s;
}

/** Per-image statistics and spectrum sums of perturbations delta and saliency maps beta ([N, C, H, W] host data). */
export function chunkStatistics(
  delta: ImageSet,
  beta: ImageSet,
  success: ArrayLike<number>,
  pixelNorms: { linf: ArrayLike<number>; l2: ArrayLike<number> },
  correct = success.length,
): ChunkStats {
  const [n, , h, w] = delta.shape;
  const hw = h * w;
  const back = Math.sqrt(hw);
  const nd = fourierNorms(delta),
    nb = fourierNorms(beta);
  const np = fourierNorms(paperBetaPreprocess(beta), { norm: 'backward' });
  const na = fourierNorms(paperBetaPreprocess(beta, { abs: false }), { norm: 'backward' });
  const sp = betaDeltaSpearman(beta, delta).perExample;
  const spP = betaDeltaSpearman(beta, delta, { betaPreprocess: 'paper' }).perExample;
  const spA = betaDeltaSpearman(beta, delta, { betaPreprocess: 'paper-noabs' }).perExample;
  // null baseline: image i's delta against image (i+1)'s beta
  const per = delta.data.length / Math.max(n, 1);
  const shifted = new Float64Array(beta.data.length);
  for (let i = 0; i < n; i++)
    for (let j = 0, src = ((i + 1) % n) * per; j < per; j++) shifted[i * per + j] = beta.data[src + j];
  const spS = n > 1 ? betaDeltaSpearman({ data: shifted, shape: beta.shape }, delta).perExample : Array(n).fill(NaN);
  const spPS =
    n > 1
      ? betaDeltaSpearman({ data: shifted, shape: beta.shape }, delta, { betaPreprocess: 'paper' }).perExample
      : Array(n).fill(NaN);
  const md = spectra(delta, { scale: 'magnitude' }).data,
    mb = spectra(beta, { scale: 'magnitude' }).data;
  const zero = (): {
    magDelta: number[];
    magBeta: number[];
    logDelta: number[];
    logBeta: number[];
    powDelta: number[];
  } => ({
    magDelta: new Array(hw).fill(0),
    magBeta: new Array(hw).fill(0),
    logDelta: new Array(hw).fill(0),
    logBeta: new Array(hw).fill(0),
    powDelta: new Array(hw).fill(0),
  });
  const sums = { success: zero(), all: zero() };
  const high: number[] = [];
  const pow = new Float64Array(hw);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < hw; j++) pow[j] = md[i * hw + j] ** 2;
    high.push(highShareOf(pow, h, w));
    for (const s of success[i] ? [sums.success, sums.all] : [sums.all]) {
      for (let j = 0; j < hw; j++) {
        const a = md[i * hw + j],
          b = mb[i * hw + j];
        s.magDelta[j] += a;
        s.magBeta[j] += b;
        s.logDelta[j] += Math.log(a + LOG_EPS);
        s.logBeta[j] += Math.log(b + LOG_EPS);
        s.powDelta[j] += a * a;
      }
    }
  }
  const perImage = {
    spearman: sp,
    spearmanPaper: spP,
    spearmanNoAbs: spA,
    spearmanShuffled: Array.from(spS),
    spearmanPaperShuffled: Array.from(spPS),
    deltaL1: nd.map((v) => v.l1 * back),
    deltaL2: nd.map((v) => v.l2 * back),
    betaL1: nb.map((v) => v.l1 * back),
    betaL2: nb.map((v) => v.l2 * back),
    paperBetaL1: np.map((v) => v.l1),
    paperBetaL2: np.map((v) => v.l2),
    noAbsBetaL1: na.map((v) => v.l1),
    noAbsBetaL2: na.map((v) => v.l2),
    betaSparsity: nb.map((v) => v.l1 / v.l2),
    highShare: high,
    linf: Array.from(pixelNorms.linf),
    l2: Array.from(pixelNorms.l2),
  } satisfies Record<PerImageKey, number[]>;
  const r = (v: number[]): number[] => roundArray(v, 7);
  const rs = (s: typeof sums.all) => ({
    magDelta: r(s.magDelta),
    magBeta: r(s.magBeta),
    logDelta: r(s.logDelta),
    logBeta: r(s.logBeta),
    powDelta: r(s.powDelta),
  });
  return {
    n,
    success: Array.from(success, (v) => (v ? 1 : 0)),
    correct,
    perImage: Object.fromEntries(Object.entries(perImage).map(([k, v]) => [k, r(v)])) as Record<PerImageKey, number[]>,
    sums: { success: rs(sums.success), all: rs(sums.all) },
    h,
    w,
  };
}

/** Merge chunks into one analysis (exact: per-image values are concatenated, sums added). */
export function mergeChunks(chunks: ChunkStats[], chunk?: number): FourierAnalysis {
  const { h, w } = chunks[0];
  const hw = h * w;
  const attacked = chunks.reduce((s, c) => s + c.n, 0);
  const succ = chunks.reduce((s, c) => s + c.success.reduce((a, b) => a + b, 0), 0);
  const useAll = succ === 0;
  const which = useAll ? 'all' : 'success';
  const used = useAll ? attacked : succ;
  // (a chunk cached before a key existed gives NaN for it)
  const perImage = Object.fromEntries(
    PER_IMAGE_KEYS.map((k) => [
      k,
      chunks.flatMap((c) => (c.perImage[k] ?? new Array(c.n).fill(NaN)).filter((_, i) => useAll || c.success[i])),
    ]),
  ) as Record<PerImageKey, number[]>;
  const sum = (key: keyof ChunkStats['sums']['all']): Float64Array => {
    const o = new Float64Array(hw);
    for (const c of chunks)
      c.sums[which][key].forEach((v, j) => {
        o[j] += v;
      });
    return o.map((v) => v / Math.max(used, 1));
  };
  const magD = sum('magDelta'),
    magB = sum('magBeta'),
    powD = sum('powDelta');
  const rad = radialEnergy(powD, h, w, fullRadial(h, w));
  const ang = angularEnergy(powD, h, w, { bins: ANGULAR_BINS });
  const un = 1 / Math.sqrt(hw);
  const st = (k: PerImageKey, f = 1): NormStats => stats(perImage[k].map((v) => v * f));
  const fin = (k: PerImageKey): number[] => perImage[k].filter(Number.isFinite);
  const q = (v: Float64Array): Float64Array => {
    let m = 0;
    for (const a of v) m = Math.max(m, a);
    const t = 1e-9 * m;
    return t > 0 ? v.map((a) => Math.round(a / t)) : v;
  };
  const correct = chunks.reduce((s, c) => s + c.correct, 0);
  return {
    used,
    attacked,
    cleanAccuracy: correct / Math.max(attacked, 1),
    successRate: correct ? succ / correct : 0,
    deltaLinf: meanOf(perImage.linf),
    deltaL2: meanOf(perImage.l2),
    norms: {
      unitary: {
        deltaL1: st('deltaL1', un),
        deltaL2: st('deltaL2', un),
        betaL1: st('betaL1', un),
        betaL2: st('betaL2', un),
      },
      backward: { deltaL1: st('deltaL1'), deltaL2: st('deltaL2'), betaL1: st('betaL1'), betaL2: st('betaL2') },
      paperBeta: { betaL1: st('paperBetaL1'), betaL2: st('paperBetaL2') },
      noAbsBeta: { betaL1: st('noAbsBetaL1'), betaL2: st('noAbsBetaL2') },
    },
    spearman: {
      mean: meanOf(fin('spearman')),
      std: stdOf(fin('spearman')),
      ofAverages: used ? spearman(q(magB), q(magD)) : NaN,
      paperMean: meanOf(fin('spearmanPaper')),
      noAbsMean: meanOf(fin('spearmanNoAbs')),
      shuffledMean: meanOf(fin('spearmanShuffled')),
    },
    spectrumDelta: roundArray(sum('logDelta'), 5),
    spectrumBeta: roundArray(sum('logBeta'), 5),
    radial: { centres: roundArray(rad.centres), energy: roundArray(normalise(rad.energy)) },
    angular: { centresDeg: roundArray(ang.centresDeg), energy: roundArray(normalise(ang.energy)) },
    highFrequencyShare: highShareOf(powD, h, w),
    perImage,
    chunk,
    h,
    w,
  };
}

/** Fourier statistics of given perturbations delta and saliency maps beta (host data, same shape [N, C, H, W]); every image counts. */
export function fourierStatistics(delta: ImageSet, beta: ImageSet): FourierAnalysis {
  const n = delta.shape[0];
  return mergeChunks([
    chunkStatistics(delta, beta, new Array(n).fill(1), normsOf(delta.data, n, delta.data.length / n)),
  ]);
}

export interface AnalyseOptions {
  seed?: number;
  /** Images per attack chunk (default: all in one). */
  chunk?: number;
  /** Cache of finished chunks (the experiments' part()): a rerun skips them. */
  cached?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Attack the model on a batch with a named attack of the registry (usually PGD), chunk by chunk; take beta = d(max logit)/dx at the
 * clean inputs, and compute the Fourier statistics on the examples where the attack
 * succeeded (clean correct and x_adv misclassified). Chunk k's random start is drawn
 * with seed (seed, k): the same chunk size gives the same numbers; attacks without a
 * random start give the same numbers for any chunk size.
 */
export async function analyseModel(
  model: Classifier,
  batch: Batch,
  attack: { name: string; opts: NamedAttackOptions & { norm?: string } },
  opts: AnalyseOptions = {},
): Promise<{ analysis: FourierAnalysis }> {
  if (attack.opts.norm && attack.opts.norm !== attackNorm(attack.name))
    throw new Error(
      `analyseModel: attack ${attack.name} is measured in ${attackNorm(attack.name)}, not ${attack.opts.norm}`,
    );
  const n = batch.shape[0];
  const size = Math.max(1, Math.min(opts.chunk ?? n, n));
  const per = batch.x.length / Math.max(n, 1);
  const cached = opts.cached ?? (<T>(_k: string, fn: () => Promise<T>) => fn());
  const chunks: ChunkStats[] = [];
  const chunkCount = Math.ceil(n / size);
  for (let k = 0, start = 0; start < n; k++, start += size) {
    const m = Math.min(size, n - start);
    const c = await cached(`chunk-${start}-${start + m}`, async () => {
      const x = tensor(batch.x.subarray(start * per, (start + m) * per), [m, ...batch.shape.slice(1)]);
      try {
        // the registry's preset (the CLI's meaning of the name) with the experiment's options
        const res = await runNamedAttack(
          attack.name,
          {
            model,
            x,
            labels: Array.from(batch.labels).slice(start, start + m),
            seed: (opts.seed ?? 0) + 1000003 * k,
            onProgress: opts.onProgress
              ? (p) => opts.onProgress!(k * p.total + p.done, chunkCount * p.total)
              : undefined,
          },
          attack.opts,
        );
        const betaT = saliency(model, x, { logit: 'max' });
        const beta = await betaT.dataF64();
        betaT.dispose();
        const shape = [m, ...batch.shape.slice(1)];
        return chunkStatistics(
          { data: Float64Array.from(res.perturbation), shape },
          { data: beta, shape },
          res.success,
          res.norms,
          res.cleanCorrect.reduce((u, v) => u + v, 0),
        );
      } finally {
        x.dispose();
      }
    });
    chunks.push(c);
  }
  return { analysis: mergeChunks(chunks, size) };
}
