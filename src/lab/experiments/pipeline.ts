// Shared experiment steps: attack a model, take the saliency map, and compute
// every Fourier statistic of delta and beta (spectra, radial/angular energy,
// Fourier norms, Spearman correlation). Results are plain JSON.
import { tensor } from '../../engine/ops/creation.ts';
import type { Classifier } from '../nn/types.ts';
import { attackNorm, runNamedAttack, type NamedAttackOptions } from '../attacks/named.ts';
import type { AttackResult } from '../attacks/common.ts';
import {
  angularEnergy, averageSpectrum, fourierNorms, fullRadial, normalise, radialEnergy, type ImageSet,
} from '../analysis/fourier.ts';
import { betaDeltaSpearman, paperBetaPreprocess, saliency } from '../analysis/saliency.ts';
import { meanOf, stdOf } from '../analysis/stats.ts';
import { roundArray } from './common.ts';

export interface Batch {
  /** [N, C, H, W] float data in [0, 1]. */
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array | number[];
}

export interface NormStats { mean: number; std: number }

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
  };
  /** Spearman of |beta_hat| and |delta_hat| (grey): mean over examples, and of the averaged spectra; 'paper' uses the authors' beta preprocessing. */
  spearman: { mean: number; std: number; ofAverages: number; paperMean: number };
  /** Averaged centred log-magnitude spectra (grey), [H, W] row-major. */
  spectrumDelta: number[];
  spectrumBeta: number[];
  /** Normalised radial/angular energy of the averaged power spectrum of delta (grey). */
  radial: { centres: number[]; energy: number[] };
  angular: { centresDeg: number[]; energy: number[] };
  /** Share of delta's energy at radius > (H/4) (high frequencies). */
  highFrequencyShare: number;
  h: number;
  w: number;
}

function stats(v: number[]): NormStats {
  return { mean: meanOf(v), std: stdOf(v) };
}

function rows(d: ArrayLike<number>, per: number, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length * per);
  idx.forEach((i, k) => { for (let j = 0; j < per; j++) out[k * per + j] = d[i * per + j]; });
  return out;
}

/** Fourier statistics of given perturbations delta and saliency maps beta (host data, same shape [N, C, H, W]). */
export function fourierStatistics(delta: ImageSet, beta: ImageSet): Omit<FourierAnalysis, 'used' | 'attacked' | 'cleanAccuracy' | 'successRate' | 'deltaLinf' | 'deltaL2'> {
  const [, , h, w] = delta.shape;
  const nrm = (set: ImageSet, norm: 'unitary' | 'backward') => {
    const f = fourierNorms(set, { norm });
    return { l1: stats(f.map((v) => v.l1)), l2: stats(f.map((v) => v.l2)) };
  };
  const pb = nrm(paperBetaPreprocess(beta), 'backward');
  const du = nrm(delta, 'unitary'), bu = nrm(beta, 'unitary'), db = nrm(delta, 'backward'), bb = nrm(beta, 'backward');
  const sp = betaDeltaSpearman(beta, delta);
  const spPaper = betaDeltaSpearman(beta, delta, { betaPreprocess: 'paper' });
  const sdel = averageSpectrum(delta, { scale: 'log', logEps: 1e-8 });
  const sbet = averageSpectrum(beta, { scale: 'log', logEps: 1e-8 });
  const power = averageSpectrum(delta, { scale: 'power' });
  const rad = radialEnergy(power.data, h, w, fullRadial(h, w));
  const ang = angularEnergy(power.data, h, w, { bins: 36 });
  const radN = normalise(rad.energy);
  let high = 0;
  rad.centres.forEach((c, i) => { if (c > Math.min(h, w) / 4) high += radN[i]; });
  return {
    norms: {
      unitary: { deltaL1: du.l1, deltaL2: du.l2, betaL1: bu.l1, betaL2: bu.l2 },
      backward: { deltaL1: db.l1, deltaL2: db.l2, betaL1: bb.l1, betaL2: bb.l2 },
      paperBeta: { betaL1: pb.l1, betaL2: pb.l2 },
    },
    spearman: { mean: sp.mean, std: stdOf(sp.perExample.filter(Number.isFinite)), ofAverages: sp.ofAverages, paperMean: spPaper.mean },
    spectrumDelta: roundArray(sdel.data, 5),
    spectrumBeta: roundArray(sbet.data, 5),
    radial: { centres: roundArray(rad.centres), energy: roundArray(radN) },
    angular: { centresDeg: roundArray(ang.centresDeg), energy: roundArray(normalise(ang.energy)) },
    highFrequencyShare: high,
    h, w,
  };
}

/**
 * Attack the model on a batch with a named attack (usually PGD), take beta = d(max logit)/dx at the
 * clean inputs, and compute the Fourier statistics on the examples where the
 * attack succeeded (clean correct and x_adv misclassified).
 */
export async function analyseModel(model: Classifier, batch: Batch, attack: { name: string; opts: NamedAttackOptions & { norm?: string } }, opts: { seed?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<{ analysis: FourierAnalysis; attack: AttackResult }> {
  if (attack.opts.norm && attack.opts.norm !== attackNorm(attack.name)) throw new Error(`analyseModel: attack ${attack.name} is measured in ${attackNorm(attack.name)}, not ${attack.opts.norm}`);
  const x = tensor(batch.x, batch.shape);
  try {
    // the attack registry's preset (the CLI's meaning of the name) with the experiment's options
    const res = await runNamedAttack(attack.name, {
      model, x, labels: batch.labels, seed: opts.seed ?? 0,
      onProgress: opts.onProgress ? (p) => opts.onProgress!(p.done, p.total) : undefined,
    }, attack.opts);
    const betaT = saliency(model, x, { logit: 'max' });
    const beta = await betaT.dataF64();
    betaT.dispose();
    const n = batch.shape[0], per = batch.x.length / n;
    let idx = [...Array(n).keys()].filter((i) => res.success[i]);
    if (idx.length === 0) idx = [...Array(n).keys()];
    const shape = [idx.length, ...batch.shape.slice(1)];
    const delta: ImageSet = { data: rows(res.perturbation, per, idx), shape };
    const betaSet: ImageSet = { data: rows(beta, per, idx), shape };
    const fs = fourierStatistics(delta, betaSet);
    return {
      attack: res,
      analysis: {
        used: idx.length,
        attacked: n,
        cleanAccuracy: res.stats.cleanAccuracy,
        successRate: res.stats.successRate,
        deltaLinf: meanOf(idx.map((i) => res.norms.linf[i])),
        deltaL2: meanOf(idx.map((i) => res.norms.l2[i])),
        ...fs,
      },
    };
  } finally {
    x.dispose();
  }
}
