// Table 2: test accuracy on the base data and on the steganographic data
// (a class-specific sparse pattern added to every image's centred spectrum,
// src/data/steganography.ts), mean and standard deviation over seeds, for
// fully connected, bounded-width conv and full-width conv models, linear and ReLU.
import type { Experiment, Scale, ExperimentContext } from './common.ts';
import { openDataset, part } from './common.ts';
import { limitSplit, type Dataset } from '../data/dataset.ts';
import { steganography as stego, type StegoVariant } from '../data/steganography.ts';
import { trainedLog } from './train-run.ts';
import { PAPER_SEEDS, trainingSettings, type TrainingSettings } from '../train/paper-settings.ts';
import { meanOf, stdOf } from '../analysis/stats.ts';
import { mdTable, pm } from '../report/markdown.ts';
import { linePlot } from '../report/svg.ts';
import { TABLE2 } from './paper.ts';
import { familySpec } from './paper-tables.ts';

/** Configuration of the steganography experiment: data, models, pattern conditions (eps, rho), seeds and training. */
export interface StegoConfig extends TrainingSettings {
  data: string;
  models: { key: string; spec: string; lr: number }[];
  conditions: { name: string; eps: number; rho: number }[];
  variant: StegoVariant;
  seeds: number;
  seed: number;
}

/** Per-seed test accuracy of each model under each condition (with and without the class pattern). */
export interface StegoResult {
  /** accuracy[modelKey][condition] = per-seed test accuracies (fractions). */
  accuracy: Record<string, Record<string, number[]>>;
}

/** The steganography experiment's configuration at a scale. */
export function stegoConfig(scale: Scale, ctx: Pick<ExperimentContext, 'data' | 'seed'>): StegoConfig {
  const conditions = [
    { name: 'base', eps: 0, rho: 0 },
    { name: 'eps=.25,rho=.2', eps: 0.25, rho: 0.2 },
    { name: 'eps=.25,rho=.1', eps: 0.25, rho: 0.1 },
  ];
  const models = (['fc', 'bwc', 'fwc'] as const).flatMap((f) =>
    (['linear', 'relu'] as const).map((a) => {
      const { spec, lr } = familySpec(f, a, scale);
      return { key: `${f}-${a}`, spec, lr };
    }),
  );
  const data = ctx.data ?? (scale === 'paper' ? 'cifar10' : 'synthetic:train=1500,test=400');
  // Table 2 reports 5 trials per cell
  if (scale === 'paper')
    return {
      data,
      models,
      conditions,
      variant: 'authors',
      seeds: PAPER_SEEDS.fast,
      ...trainingSettings('paper', {}, data),
      seed: ctx.seed,
    };
  return {
    data,
    models,
    conditions,
    variant: 'authors',
    seeds: 2,
    ...trainingSettings('quick', { trainLimit: 1500, testLimit: 400, epochs: 2, batchSize: 64 }, data),
    seed: ctx.seed,
  };
}

/** One training run of Table 2: a model, a pattern condition and a seed (the seed draws the model, the shuffling and the pattern). */
export interface StegoRun {
  model: StegoConfig['models'][number];
  condition: StegoConfig['conditions'][number];
  seed: number;
}

/** The experiment's training runs in its order (condition, then seed, then model); each is independent of the others. */
export function stegoRuns(cfg: StegoConfig): StegoRun[] {
  return cfg.conditions.flatMap((condition) =>
    Array.from({ length: cfg.seeds }, (_, s) => cfg.seed + s).flatMap((seed) =>
      cfg.models.map((model) => ({ model, condition, seed })),
    ),
  );
}

/** The resume-cache key of one run's accuracy (the sweep's report cell fills these in). */
export const stegoPartKey = (r: StegoRun): string => `acc-${r.model.key}-${r.condition.name}-seed${r.seed}`;

/** The data set of a run, opened and transformed at most once per (condition, seed): a run cached in the parts needs none. */
export function stegoData(cfg: StegoConfig, ctx: ExperimentContext): (r: StegoRun) => Promise<Dataset> {
  let base: Promise<Dataset> | undefined;
  const memo = new Map<string, Promise<Dataset>>();
  // transform only the examples used (the transform costs one FFT per image and channel)
  const openBase = () =>
    (base ??= openDataset(ctx, cfg.data).then((full) => ({
      ...full,
      train: limitSplit(full.train, cfg.trainLimit, full.shape),
      test: limitSplit(full.test, cfg.testLimit, full.shape),
    })));
  return (r) => {
    const k = `${r.condition.name}|${r.seed}`;
    if (!memo.has(k))
      memo.set(
        k,
        openBase().then((b) =>
          r.condition.eps > 0
            ? stego(b, { eps: r.condition.eps, rho: r.condition.rho, seed: r.seed, variant: cfg.variant })
            : b,
        ),
      );
    return memo.get(k)!;
  };
}

/** Train one run and return its best test accuracy (a fraction); only log.json is kept once done (the accuracy is all Table 2 needs). */
export async function stegoAccuracy(
  cfg: StegoConfig,
  r: StegoRun,
  ctx: ExperimentContext,
  ds: Dataset,
): Promise<number> {
  const { model: m, condition: c, seed } = r;
  const { log } = await trainedLog(
    ctx,
    `models/${m.key}-${c.name}-seed${seed}`,
    ds,
    {
      spec: m.spec,
      lr: m.lr,
      seed,
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      momentum: cfg.momentum,
      weightDecay: cfg.weightDecay,
      schedule: cfg.schedule,
      keep: 'last',
    },
    true,
  );
  const a = log.bestTestAccuracy ?? NaN;
  ctx.log(`${m.spec} ${c.name} seed ${seed}: ${(100 * a).toFixed(1)}% (best of ${cfg.epochs} epochs)`);
  return a;
}

/** The 'steganography' experiment (paper section 4.2.2, Table 2): do conv models pick up a class pattern hidden in the spectrum? */
export const steganographyExperiment: Experiment<StegoConfig, StegoResult> = {
  name: 'steganography',
  title: 'Steganography: accuracy with a sparse class-specific Fourier signal',
  reproduces: 'Table 2',
  config: stegoConfig,
  async run(cfg, ctx) {
    const data = stegoData(cfg, ctx);
    const accuracyOut: StegoResult['accuracy'] = {};
    const runs = stegoRuns(cfg);
    for (const r of runs) {
      const acc = await part(ctx, stegoPartKey(r), async () => stegoAccuracy(cfg, r, ctx, await data(r)));
      ((accuracyOut[r.model.key] ??= {})[r.condition.name] ??= []).push(acc);
    }
    const total = runs.length;
    ctx.progress('done', total, total);
    const result = { accuracy: accuracyOut };
    const condKey = (c: { eps: number; rho: number }): 'base' | 'rho2' | 'rho1' | null =>
      c.eps === 0 ? 'base' : c.eps === 0.25 && c.rho === 0.2 ? 'rho2' : c.eps === 0.25 && c.rho === 0.1 ? 'rho1' : null;
    const rows = cfg.models.map((m) => {
      const p = TABLE2[m.key];
      return [
        p?.name ?? m.spec,
        m.spec,
        ...cfg.conditions.flatMap((c) => {
          const v = accuracyOut[m.key][c.name].map((a) => 100 * a);
          const ck = condKey(c);
          const pp = p && ck ? p[ck] : undefined;
          return [pm(meanOf(v), stdOf(v), 1), pp ? `${pp[0]} ± ${pp[1]}` : '-'];
        }),
      ];
    });
    const table = mdTable(
      ['model', 'spec', ...cfg.conditions.flatMap((c) => [`ours ${c.name}`, `paper ${c.name}`])],
      rows,
    );
    const gain = cfg.models.map((m) => {
      const b = meanOf(accuracyOut[m.key].base),
        g = meanOf(accuracyOut[m.key][cfg.conditions[1].name]);
      return { key: m.key, gain: 100 * (g - b) };
    });
    const conv = gain.filter((g) => !g.key.startsWith('fc')),
      fc = gain.filter((g) => g.key.startsWith('fc'));
    const claim = `- The steganographic signal helps convolutional models far more than fully connected ones (paper: +${(TABLE2['fwc-linear'].rho2[0] - TABLE2['fwc-linear'].base[0]).toFixed(1)} points FWC linear vs +${(TABLE2['fc-linear'].rho2[0] - TABLE2['fc-linear'].base[0]).toFixed(1)} FC linear at rho .2): ours, mean gain at ${cfg.conditions[1].name}: conv ${meanOf(conv.map((g) => g.gain)).toFixed(1)} points, FC ${meanOf(fc.map((g) => g.gain)).toFixed(1)} points -> ${meanOf(conv.map((g) => g.gain)) > meanOf(fc.map((g) => g.gain)) ? 'agrees' : 'DISAGREES'}.`;
    const fig = linePlot(
      cfg.models.map((m) => ({
        label: m.spec,
        x: cfg.conditions.map((_, i) => i),
        y: cfg.conditions.map((c) => 100 * meanOf(accuracyOut[m.key][c.name])),
      })),
      {
        title: 'Test accuracy: base (0), eps .25 rho .2 (1), eps .25 rho .1 (2)',
        xlabel: 'condition',
        ylabel: 'test accuracy (%)',
        markers: true,
      },
    );
    const markdown = [
      `Data \`${cfg.data}\`, ${cfg.seeds} seeds (each seed draws the model, the shuffling and the pattern), ${cfg.epochs} epochs, variant '${cfg.variant}' of the transform (the authors': real part of the inverse transform, no clipping). Test accuracy in % (mean ± sample std over seeds; the best test epoch of each run, as the paper).`,
      '',
      table,
      '',
      claim,
    ].join('\n');
    return {
      result,
      figures: [
        {
          file: 'steganography.svg',
          svg: fig,
          caption: 'Table 2 as a plot: mean test accuracy per model and condition',
        },
      ],
      markdown,
      summary: `${table}\n\n${claim}`,
    };
  },
};
