// Learning dynamics of one model (paper Figures 2, 3, 4, 6, 7): train with
// checkpoints saved on a schedule; attack the FINAL model with PGD Linf on the
// first N training images (delta_final) and draw the random control r with
// ||r||_2 = ||delta_final||_2; then for every checkpoint:
//   - along x -> x + delta_final and x -> x + r (100 points): fraction of ReLU
//     units that change state and the roughness of the logits (Figs 2, 6, 7);
//   - the minimal Linf adversarial perturbation of that checkpoint (minimal-norm
//     search around PGD Linf): its l2 and linf norms (Fig 3 top), its average
//     spectrum and radial/angular energy (Fig 3 bottom, Fig 4).
import { defaultLearningRate } from '../nn/models.ts';
import { tensor } from '../../engine/ops/creation.ts';
import type { Classifier } from '../nn/types.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { pgd } from '../attacks/pgd.ts';
import { minimalNormSearch, randomDirections } from '../attacks/minimal.ts';
import { pathObservables } from '../analysis/dynamics.ts';
import { angularEnergy, averageSpectrum, fullRadial, normalise, radialEnergy, spectra } from '../analysis/fourier.ts';
import { meanOf, quantile } from '../analysis/stats.ts';
import {
  openDataset,
  part,
  roundArray,
  type Experiment,
  type ExperimentContext,
  type ExperimentOutput,
  type Figure,
  type Scale,
} from './common.ts';
import { splitToBatch, ANGULAR_BINS } from './pipeline.ts';
import { evaluate } from '../train/trainer.ts';
import { limitSplit, type Dataset } from '../data/dataset.ts';
import { trainedRun } from './train-run.ts';
import { PAPER_EVALUATION, PAPER_SEEDS, trainingSettings, type TrainingSettings } from '../train/paper-settings.ts';
import { grid, heatmap, linePlot, type Series } from '../report/svg.ts';
import { sharedRange } from './model-study.ts';
import { fmtFixed, mdTable } from '../report/markdown.ts';

/** Configuration of the dynamics experiment: model, data, training, checkpoints, attack and minimal-norm search. */
export interface DynamicsConfig extends TrainingSettings {
  data: string;
  spec: string;
  lr: number;
  /**
   * Checkpoints analysed after the initial one, evenly spaced over the saved ones
   * (0: every saved checkpoint, the paper's schedule).
   */
  snapshots: number;
  /** A checkpoint every N batches (0: spread so that about `snapshots` exist). */
  checkpointEvery: number;
  /** Batch checkpoints only in the first denseEpochs epochs, then one per epoch (-1: in every epoch). */
  denseEpochs: number;
  /** Images analysed (the first N training images, as in the paper). */
  n: number;
  points: number;
  /** PGD Linf attack of the final model. */
  attack: { eps: number; steps: number; absStepsize: number };
  /** Minimal-norm search at every checkpoint: PGD Linf with `steps`, relative step, bisections. */
  minimal: { steps: number; relStepsize: number; initEps: number; bisectSteps: number; maxExpand: number };
  /** Also a minimal-L2 search (PGD L2, same steps and bisections) from this starting budget; absent: Linf only. */
  minimalL2InitEps?: number;
  /** Seeds (seed, seed + 1, ...): each trains its own model; seed k > 0 lives in OUT/seed-<seed>/. */
  seeds?: number;
  seed: number;
}

/** Measurements at one checkpoint: adversarial vs random path observables, minimal norms, radial energy. */
export interface CheckpointStats {
  step: number;
  epoch: number;
  testAccuracy: number;
  adv: { reluChange: number[]; roughness: number[] };
  rand: { reluChange: number[]; roughness: number[] };
  /** Minimal perturbations of the images this checkpoint classifies correctly (index: which of the n images); meanRadius: energy-weighted mean k_r per image. */
  minimal: { found: number; l2: number[]; linf: number[]; eps: number[]; index?: number[]; meanRadius?: number[] };
  /** The minimal-L2 search's l2 norms (same image rule), when configured. */
  minimalL2?: { found: number; l2: number[]; index: number[] };
  spectrum: number[];
  radial: { centres: number[]; energy: number[] };
  angular: { centresDeg: number[]; energy: number[] };
}

/** The dynamics experiment's result: one CheckpointStats per checkpoint. */
export interface DynamicsResult {
  spec: string;
  data: string;
  finalAttack: { successRate: number; meanL2: number; meanLinf: number };
  checkpoints: CheckpointStats[];
  h: number;
  w: number;
  /** Every seed's run (the first is the one above); absent in single-seed runs made before seeds existed. */
  seeds?: { seed: number; finalAttack: DynamicsResult['finalAttack']; checkpoints: CheckpointStats[] }[];
}

/** The dynamics experiment's configuration at a scale. */
export function dynamicsConfig(scale: Scale, ctx: Pick<ExperimentContext, 'data' | 'seed'>): DynamicsConfig {
  const spec = scale === 'paper' ? 'bwc-k3-c32-d1-relu' : 'bwc-k3-c16-d1-relu';
  if (scale === 'paper') {
    const data = ctx.data ?? 'cifar10';
    return {
      data,
      spec,
      ...trainingSettings('paper', {}, data),
      lr: defaultLearningRate(spec),
      snapshots: 0,
      checkpointEvery: PAPER_EVALUATION.dynamicsCheckpointEvery,
      denseEpochs: PAPER_EVALUATION.dynamicsDenseEpochs,
      n: PAPER_EVALUATION.dynamicsImages,
      points: 100,
      attack: { eps: 8 / 255, steps: PAPER_EVALUATION.pgdSteps, absStepsize: 0.01 },
      minimal: { steps: 100, relStepsize: 0.1, initEps: 1 / 255, bisectSteps: 10, maxExpand: 8 },
      minimalL2InitEps: 0.05,
      seeds: PAPER_SEEDS.slow,
      seed: ctx.seed,
    };
  }
  const data = ctx.data ?? 'synthetic:train=3000,test=500';
  return {
    data,
    spec,
    ...trainingSettings(
      'quick',
      { trainLimit: 3000, testLimit: 500, epochs: 4, batchSize: 64, schedule: 'step:0.3:3' },
      data,
    ),
    lr: defaultLearningRate(spec),
    snapshots: 6,
    checkpointEvery: 0,
    denseEpochs: -1,
    n: 32,
    points: 100,
    attack: { eps: 8 / 255, steps: 40, absStepsize: 1 / 255 },
    minimal: { steps: 10, relStepsize: 0.25, initEps: 0.5 / 255, bisectSteps: 5, maxExpand: 8 },
    minimalL2InitEps: 0.05,
    seeds: 1,
    seed: ctx.seed,
  };
}

interface CkptIndex {
  entries: { step: number; epoch: number; file: string }[];
}

/**
 * Train through the project trainer with checkpoints every few batches (only in the first
 * denseEpochs epochs when set, then per epoch); pick `snapshots + 1` evenly spaced ones
 * (always the first and last), or all of them when snapshots is 0.
 */
async function trainWithCheckpoints(cfg: DynamicsConfig, ctx: ExperimentContext, ds: Dataset): Promise<CkptIndex> {
  const nTrain = Math.min(cfg.trainLimit ?? ds.train.n, ds.train.n);
  const perEpoch = Math.ceil(nTrain / cfg.batchSize);
  const every =
    cfg.checkpointEvery > 0
      ? cfg.checkpointEvery
      : Math.max(1, Math.round((perEpoch * cfg.epochs) / Math.max(cfg.snapshots, 1)));
  const run = await trainedRun(
    ctx,
    'training',
    ds,
    {
      spec: cfg.spec,
      lr: cfg.lr,
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      momentum: cfg.momentum,
      weightDecay: cfg.weightDecay,
      schedule: cfg.schedule,
      seed: cfg.seed,
      trainLimit: cfg.trainLimit,
      testLimit: cfg.testLimit,
      checkpointEveryBatches: every < perEpoch ? every : 0,
      keep: cfg.denseEpochs >= 0 ? { denseEpochs: cfg.denseEpochs } : 'all',
    },
    'last',
  );
  (run.model as { dispose?: () => void }).dispose?.();
  const sinkMod = await import('../platform/train-sink.ts');
  const all: CkptIndex['entries'] = [];
  for (const name of run.log.checkpoints) {
    const metaText = await ctx.io.readText(sinkMod.checkpointPath(run.dir, name).replace(/\.safetensors$/, '.json'));
    const meta = JSON.parse(metaText) as { epoch: number; batchInEpoch?: number; globalStep?: number };
    const step = meta.globalStep ?? meta.epoch * perEpoch + (meta.batchInEpoch ?? 0);
    all.push({ step, epoch: step / perEpoch, file: sinkMod.checkpointPath(run.dir, name) });
  }
  all.sort((x, y) => x.step - y.step);
  const uniq = all.filter((e, i) => i === 0 || e.step !== all[i - 1].step);
  const want = cfg.snapshots > 0 ? Math.min(uniq.length, cfg.snapshots + 1) : uniq.length;
  const picked = [
    ...new Set(Array.from({ length: want }, (_, k) => Math.round((k * (uniq.length - 1)) / Math.max(want - 1, 1)))),
  ].map((i) => uniq[i]);
  return { entries: picked };
}

/** Run the dynamics experiment: train with checkpoints, then measure every checkpoint. */
export async function runDynamics(cfg: DynamicsConfig, ctx: ExperimentContext): Promise<DynamicsResult> {
  const ds = await openDataset(ctx, cfg.data);
  const index = await trainWithCheckpoints(cfg, ctx, ds);
  const batch = splitToBatch(ds.train, ds.shape, cfg.n);
  const testSplit = limitSplit(ds.test, Math.min(cfg.testLimit ?? 1000, 1000), ds.shape);
  const [n, , h, w] = batch.shape;
  const per = batch.x.length / n;
  const x = tensor(batch.x, batch.shape);
  const load = async (file: string): Promise<Classifier> => (await loadCheckpoint(file)).model;
  const dispose = (m: Classifier): void => {
    (m as { dispose?: () => void }).dispose?.();
  };
  try {
    // the final model's adversarial directions and their random controls
    const finalDir = await part(ctx, 'final-attack', async () => {
      const m = await load(index.entries[index.entries.length - 1].file);
      const r = await pgd(
        {
          model: m,
          x,
          labels: batch.labels,
          seed: cfg.seed,
          onProgress: (p) => ctx.progress('attack final model', p.done, p.total),
        },
        {
          norm: 'linf',
          eps: cfg.attack.eps,
          steps: cfg.attack.steps,
          absStepsize: cfg.attack.absStepsize,
          randomStart: true,
        },
      );
      dispose(m);
      const rand = randomDirections(r.perturbation, n, per, 'l2', cfg.seed + 1);
      return {
        delta: roundArray(r.perturbation, 7),
        rand: roundArray(rand, 7),
        successRate: r.stats.successRate,
        meanL2: meanOf(r.norms.l2),
        meanLinf: meanOf(r.norms.linf),
      };
    });
    const dAdv = tensor(finalDir.delta, batch.shape),
      dRand = tensor(finalDir.rand, batch.shape);
    const checkpoints: CheckpointStats[] = [];
    try {
      for (const [k, e] of index.entries.entries()) {
        const st = await part(ctx, `checkpoint-${e.step}`, async () => {
          ctx.progress(`checkpoint ${k + 1}/${index.entries.length}: path observables`, k, index.entries.length);
          const m = await load(e.file);
          const { accuracy: testAccuracy } = await evaluate(m, testSplit, ds.shape);
          const adv = await pathObservables(m, x, dAdv, { points: cfg.points });
          const rnd = await pathObservables(m, x, dRand, { points: cfg.points });
          ctx.progress(`checkpoint ${k + 1}/${index.entries.length}: minimal-norm search`, k, index.entries.length);
          const mn = await minimalNormSearch(
            { model: m, x, labels: batch.labels, seed: cfg.seed },
            (a, eps) =>
              pgd(a, {
                norm: 'linf',
                eps,
                steps: cfg.minimal.steps,
                relStepsize: cfg.minimal.relStepsize,
                randomStart: false,
              }),
            {
              norm: 'linf',
              initEps: cfg.minimal.initEps,
              bisectSteps: cfg.minimal.bisectSteps,
              maxExpand: cfg.minimal.maxExpand,
            },
          );
          let minimalL2: CheckpointStats['minimalL2'];
          if (cfg.minimalL2InitEps) {
            const m2 = await minimalNormSearch(
              { model: m, x, labels: batch.labels, seed: cfg.seed },
              (a, eps) =>
                pgd(a, {
                  norm: 'l2',
                  eps,
                  steps: cfg.minimal.steps,
                  relStepsize: cfg.minimal.relStepsize,
                  randomStart: false,
                }),
              {
                norm: 'l2',
                initEps: cfg.minimalL2InitEps,
                bisectSteps: cfg.minimal.bisectSteps,
                maxExpand: cfg.minimal.maxExpand,
              },
            );
            const i2 = [...Array(n).keys()].filter(
              (i) => m2.cleanCorrect[i] && m2.isAdversarial[i] && m2.norms.l2[i] > 0,
            );
            minimalL2 = { found: i2.length, l2: i2.map((i) => m2.norms.l2[i]), index: i2 };
          }
          dispose(m);
          // minimal perturbations of examples the checkpoint classified correctly and that were attacked successfully
          const idx = [...Array(n).keys()].filter(
            (i) => mn.cleanCorrect[i] && mn.isAdversarial[i] && mn.norms.linf[i] > 0,
          );
          const dsel = new Float64Array(idx.length * per);
          idx.forEach((i, j) => {
            for (let q = 0; q < per; q++) dsel[j * per + q] = mn.perturbation[i * per + q];
          });
          const set = { data: dsel, shape: [idx.length, ...batch.shape.slice(1)] };
          const spec = idx.length ? averageSpectrum(set, { scale: 'log', logEps: 1e-8 }).data : new Float64Array(h * w);
          const pow = idx.length ? averageSpectrum(set, { scale: 'power' }).data : new Float64Array(h * w);
          const rad = radialEnergy(pow, h, w, fullRadial(h, w)),
            ang = angularEnergy(pow, h, w, { bins: ANGULAR_BINS });
          return {
            step: e.step,
            epoch: e.epoch,
            testAccuracy,
            adv: { reluChange: roundArray(adv.reluChange), roughness: roundArray(adv.roughness) },
            rand: { reluChange: roundArray(rnd.reluChange), roughness: roundArray(rnd.roughness) },
            minimal: {
              found: idx.length,
              l2: idx.map((i) => mn.norms.l2[i]),
              linf: idx.map((i) => mn.norms.linf[i]),
              eps: idx.map((i) => mn.eps?.[i] ?? NaN),
              index: idx,
              meanRadius: perImageMeanRadius(set),
            },
            minimalL2,
            spectrum: roundArray(spec, 5),
            radial: { centres: roundArray(rad.centres), energy: roundArray(normalise(rad.energy)) },
            angular: { centresDeg: roundArray(ang.centresDeg), energy: roundArray(normalise(ang.energy)) },
          } satisfies CheckpointStats;
        });
        checkpoints.push(st);
      }
      ctx.progress('checkpoints analysed', index.entries.length, index.entries.length);
    } finally {
      dAdv.dispose();
      dRand.dispose();
    }
    return {
      spec: cfg.spec,
      data: cfg.data,
      finalAttack: { successRate: finalDir.successRate, meanL2: finalDir.meanL2, meanLinf: finalDir.meanLinf },
      checkpoints,
      h,
      w,
    };
  } finally {
    x.dispose();
  }
}

function bands(label: string, xs: number[], vals: number[][], color: string): Series[] {
  return [
    { label: `${label} (median)`, x: xs, y: vals.map((v) => quantile(v, 0.5)), color },
    { label: `${label} (25-75%)`, x: xs, y: vals.map((v) => quantile(v, 0.25)), color, dashed: true },
    { label: '', x: xs, y: vals.map((v) => quantile(v, 0.75)), color, dashed: true },
  ];
}

/** The dynamics experiment's figures (roughness, ReLU changes, minimal norms, radial energy per checkpoint). */
export function dynamicsFigures(r: DynamicsResult): Figure[] {
  const cs = r.checkpoints;
  const ep = cs.map((c) => c.epoch);
  const figs: Figure[] = [];
  // at most 12 spectra, evenly spaced over the checkpoints, on one colour scale
  const pickN = Math.min(cs.length, 12);
  const shown = [
    ...new Set(Array.from({ length: pickN }, (_, k) => Math.round((k * (cs.length - 1)) / Math.max(pickN - 1, 1)))),
  ].map((i) => cs[i]);
  const range = sharedRange(shown.filter((c) => c.minimal.found > 0).map((c) => c.spectrum));
  figs.push({
    file: 'relu-changes.svg',
    svg: linePlot(
      [
        ...bands(
          'adversarial',
          ep,
          cs.map((c) => c.adv.reluChange),
          '#d62728',
        ),
        ...bands(
          'random',
          ep,
          cs.map((c) => c.rand.reluChange),
          '#1f77b4',
        ),
      ],
      {
        title: 'Fraction of ReLU units changing state along x -> x + d',
        xlabel: 'epoch',
        ylabel: 'fraction of ReLU units',
      },
    ),
    caption:
      "Figs 2a-b, 7: fraction of ReLU units whose state changes along the path to the final model's adversarial (red) and random (blue) directions, at each checkpoint (median and quartiles over images)",
  });
  figs.push({
    file: 'roughness.svg',
    svg: linePlot(
      [
        ...bands(
          'adversarial',
          ep,
          cs.map((c) => c.adv.roughness),
          '#d62728',
        ),
        ...bands(
          'random',
          ep,
          cs.map((c) => c.rand.roughness),
          '#1f77b4',
        ),
      ],
      {
        title: 'Roughness of the logits along x -> x + d',
        xlabel: 'epoch',
        ylabel: 'sum |second difference| (logit units)',
      },
    ),
    caption:
      'Figs 2c-d, 6: roughness (sum of absolute second differences of the logits over 100 points) along adversarial (red) and random (blue) directions, at each checkpoint',
  });
  figs.push({
    file: 'minimal-norms.svg',
    svg: grid(
      [
        linePlot(
          bands(
            '||delta||_2',
            ep,
            cs.map((c) => c.minimal.l2),
            '#9467bd',
          ),
          {
            title: 'Minimal adversarial l2 norm',
            xlabel: 'epoch',
            ylabel: '||delta||_2 (pixel units, [0,1] scale)',
            width: 400,
          },
        ),
        linePlot(
          bands(
            '||delta||_inf',
            ep,
            cs.map((c) => c.minimal.linf),
            '#2ca02c',
          ),
          {
            title: 'Minimal adversarial linf norm',
            xlabel: 'epoch',
            ylabel: '||delta||_inf (pixel units)',
            width: 400,
          },
        ),
        ...(cs.every((c) => c.minimalL2)
          ? [
              linePlot(
                bands(
                  '||delta||_2',
                  ep,
                  cs.map((c) => c.minimalL2!.l2),
                  '#8c564b',
                ),
                {
                  title: 'Minimal-L2 search: l2 norm',
                  xlabel: 'epoch',
                  ylabel: '||delta||_2 (pixel units)',
                  width: 400,
                },
              ),
            ]
          : []),
      ],
      3,
    ),
    caption:
      'Fig 3 (top): l2 and linf norms of the minimal-Linf adversarial perturbation of each checkpoint, and the l2 norm found by the minimal-L2 search (median and quartiles over the images it classifies correctly)',
  });
  figs.push({
    file: 'spectra-per-checkpoint.svg',
    svg: grid(
      shown.map((c) =>
        heatmap(c.spectrum, r.h, r.w, {
          title: `epoch ${fmtFixed(c.epoch, 2)}`,
          colorLabel: 'log |delta_hat|',
          cell: 4,
          xStart: -Math.floor(r.w / 2),
          yStart: -Math.floor(r.h / 2),
          range,
        }),
      ),
      4,
      'Average spectrum of the minimal adversarial perturbation per checkpoint (one colour scale)',
    ),
    caption: `Fig 3 (bottom): average centred log-magnitude spectrum (grey, unitary DFT) of the minimal adversarial perturbations at ${shown.length} of the ${cs.length} checkpoints; all panels share one colour scale`,
  });
  const cmap = (k: number): string => `hsl(${Math.round(240 - (240 * k) / Math.max(cs.length - 1, 1))},70%,45%)`;
  figs.push({
    file: 'radial-per-checkpoint.svg',
    svg: linePlot(
      cs.map((c, k) => ({
        label: `ep ${fmtFixed(c.epoch, 1)}`,
        x: c.radial.centres,
        y: c.radial.energy.map((v) => Math.max(v, 1e-12)),
        color: cmap(k),
      })),
      {
        title: 'Radial energy of delta_hat per checkpoint',
        xlabel: 'k_r (cycles per image)',
        ylabel: 'fraction of energy E(k_r)',
        logY: true,
      },
    ),
    caption:
      'Fig 4a: radial energy E(k_r) of the minimal adversarial perturbations per checkpoint (blue = early, red = late), log axis',
  });
  figs.push({
    file: 'angular-per-checkpoint.svg',
    svg: linePlot(
      cs.map((c, k) => ({
        label: `ep ${fmtFixed(c.epoch, 1)}`,
        x: c.angular.centresDeg,
        y: c.angular.energy,
        color: cmap(k),
      })),
      {
        title: 'Angular energy of delta_hat per checkpoint',
        xlabel: 'k_phi (degrees)',
        ylabel: 'fraction of energy E(k_phi)',
      },
    ),
    caption: `Fig 4b: angular energy E(k_phi) per checkpoint (${360 / ANGULAR_BINS}-degree bins centred on multiples of ${360 / ANGULAR_BINS} degrees, so 0, 45 and 90 are bin centres)`,
  });
  return figs;
}

/** Energy-weighted mean radius k_r of each image's grey power spectrum. */
function perImageMeanRadius(set: { data: Float64Array; shape: number[] }): number[] {
  const [n, , h, w] = set.shape;
  if (!n) return [];
  const p = spectra(set, { scale: 'power' }).data;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let e = 0,
      r = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = p[i * h * w + y * w + x];
        e += v;
        r += v * Math.hypot(y - Math.floor(h / 2), x - Math.floor(w / 2));
      }
    out.push(e > 0 ? r / e : NaN);
  }
  return roundArray(out);
}

function meanRadius(c: CheckpointStats): number {
  let s = 0;
  c.radial.centres.forEach((k, i) => {
    s += k * c.radial.energy[i];
  });
  return s;
}

/** The dynamics experiment's report body and one-line summary. */
export function dynamicsMarkdown(cfg: DynamicsConfig, r: DynamicsResult): { markdown: string; summary: string } {
  const cs = r.checkpoints;
  const rows = cs.map((c) => [
    fmtFixed(c.epoch, 2),
    fmtFixed(100 * c.testAccuracy, 1),
    meanOf(c.adv.reluChange),
    meanOf(c.rand.reluChange),
    meanOf(c.adv.roughness),
    meanOf(c.rand.roughness),
    `${c.minimal.found}/${cfg.n}`,
    meanOf(c.minimal.l2),
    meanOf(c.minimal.linf),
    meanRadius(c),
  ]);
  const table = mdTable(
    [
      'epoch',
      'test acc %',
      'ReLU change adv',
      'ReLU change rand',
      'roughness adv',
      'roughness rand',
      'minimal found',
      'min ||δ||₂',
      'min ||δ||∞',
      'mean k_r of δ energy',
    ],
    rows,
    4,
  );
  const first = cs[0],
    last = cs[cs.length - 1];
  const peakL2 = Math.max(...cs.map((c) => meanOf(c.minimal.l2)).filter(Number.isFinite));
  const claims = [
    `- Adversarial directions become rougher than random ones during training (paper Fig 2c-d, 6): at initialisation roughness adv/rand = ${fmtFixed(meanOf(first.adv.roughness), 4)}/${fmtFixed(meanOf(first.rand.roughness), 4)}; at the end ${fmtFixed(meanOf(last.adv.roughness), 4)}/${fmtFixed(meanOf(last.rand.roughness), 4)} -> ${meanOf(last.adv.roughness) > meanOf(last.rand.roughness) && meanOf(last.adv.roughness) / Math.max(meanOf(last.rand.roughness), 1e-12) > meanOf(first.adv.roughness) / Math.max(meanOf(first.rand.roughness), 1e-12) ? 'agrees' : 'DISAGREES'}.`,
    `- ReLU changes adv vs random (Fig 2a-b, 7): start ${fmtFixed(meanOf(first.adv.reluChange), 4)} vs ${fmtFixed(meanOf(first.rand.reluChange), 4)}, end ${fmtFixed(meanOf(last.adv.reluChange), 4)} vs ${fmtFixed(meanOf(last.rand.reluChange), 4)} -> ${meanOf(last.adv.reluChange) > meanOf(last.rand.reluChange) ? 'adversarial > random at the end (agrees)' : 'DISAGREES'}.`,
    `- Minimal adversarial norms fall during training (Fig 3 top; the paper: intermediate models need larger perturbations than the final one): mean l2 at the first checkpoint ${fmtFixed(meanOf(first.minimal.l2), 4)} (${first.minimal.found} images), largest over checkpoints ${fmtFixed(peakL2, 4)}, final ${fmtFixed(meanOf(last.minimal.l2), 4)}; linf first ${fmtFixed(meanOf(first.minimal.linf), 4)}, final ${fmtFixed(meanOf(last.minimal.linf), 4)} -> first vs final ${meanOf(last.minimal.l2) < meanOf(first.minimal.l2) ? 'agrees' : 'DISAGREES'}; peak vs final ${meanOf(last.minimal.l2) < peakL2 ? 'agrees' : 'DISAGREES'}.`,
    `- The energy of delta moves to higher frequencies (Fig 3 bottom, 4a): energy-weighted mean radius ${fmtFixed(meanRadius(first), 3)} -> ${fmtFixed(meanRadius(last), 3)} cycles/image -> ${meanRadius(last) > meanRadius(first) ? 'agrees' : 'DISAGREES'}.`,
  ];
  const markdown = [
    `Model \`${r.spec}\` on \`${r.data}\`: ${cfg.epochs} epochs, batch ${cfg.batchSize}, lr ${cfg.lr} (schedule ${cfg.schedule}), momentum ${cfg.momentum}; ${cs.length} checkpoints (including initialisation). The final model was attacked with PGD Linf (eps ${fmtFixed(cfg.attack.eps, 4)}, ${cfg.attack.steps} steps) on the first ${cfg.n} training images (success ${fmtFixed(100 * r.finalAttack.successRate, 1)}% of correctly classified; mean ||δ||₂ ${fmtFixed(r.finalAttack.meanL2, 3)}); random controls have the same l2 norm. Path observables use ${cfg.points} points. Minimal norms: minimal-norm search (exponential then ${cfg.minimal.bisectSteps} bisections) around PGD Linf with ${cfg.minimal.steps} steps and no random start (a random start would put white noise into the smallest perturbations) at each checkpoint, over the images that checkpoint classifies correctly (\"minimal found\").`,
    '',
    '## Per checkpoint (means over images)',
    '',
    table,
    '',
    "## The paper's qualitative claims, checked",
    '',
    ...claims,
    '',
    'The paper shows these for ResNet18 on CIFAR-10 and gives no numbers for them (figures only), so only the direction of each effect can be compared.',
  ].join('\n');
  return { markdown, summary: [table, '', ...claims].join('\n') };
}

/** The 'dynamics' experiment (paper Figures 2-4, 6, 7): how adversarial directions change during training. */
export const dynamics: Experiment<DynamicsConfig, DynamicsResult> = {
  name: 'dynamics',
  title: 'Learning dynamics of adversarial examples over training checkpoints',
  reproduces: 'Figures 2, 3, 4, 6, 7',
  config: dynamicsConfig,
  async run(cfg, ctx) {
    const runs: DynamicsResult[] = [];
    for (let k = 0; k < (cfg.seeds ?? 1); k++)
      runs.push(await runDynamics({ ...cfg, seed: cfg.seed + k }, dynamicsSeedDir(cfg, k, ctx)));
    return dynamicsReport(cfg, runs);
  },
};

/** The seed's out directory: seed k > 0 in its own directory, so that a one-seed run keeps its layout. */
export const dynamicsSeedDir = (cfg: DynamicsConfig, k: number, ctx: ExperimentContext): ExperimentContext =>
  k === 0 ? ctx : { ...ctx, out: ctx.io.join(ctx.out, `seed-${cfg.seed + k}`) };

/** The experiment's result, figures and report from every seed's run (seed, seed + 1, ...); the sweep's report cell calls it too. */
export function dynamicsReport(cfg: DynamicsConfig, runs: DynamicsResult[]): ExperimentOutput<DynamicsResult> {
  const result: DynamicsResult = {
    ...runs[0],
    seeds: runs.map((r, k) => ({ seed: cfg.seed + k, finalAttack: r.finalAttack, checkpoints: r.checkpoints })),
  };
  const { markdown, summary } = dynamicsMarkdown(cfg, result);
  return { result, figures: dynamicsFigures(result), markdown, summary };
}
