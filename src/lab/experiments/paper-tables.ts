// The paper's model-family experiments built on the model-study engine:
// table1 (Spearman of beta_hat and delta_hat, 7 families, linear and ReLU),
// fourier-norms (Tables 3 and 4, Figure 11), spectra (Figures 5, 12, 13: every
// attack), mnist-spectra (Figure 8).
import { defaultLearningRate } from '../nn/models.ts';
import type { Experiment, ExperimentContext, Figure, Scale } from './common.ts';
import {
  runModelStudy,
  studyFigures,
  studyTables,
  type AttackEntry,
  type ModelEntry,
  type ModelStudyConfig,
  type ModelStudyResult,
} from './model-study.ts';
import { paperPreset } from '../attacks/pgd.ts';
import { PAPER_EVALUATION, PAPER_SEEDS, trainingSettings } from '../train/paper-settings.ts';
import { grid, linePlot } from '../report/svg.ts';
import { mdTable } from '../report/markdown.ts';
import { TABLE1 } from './paper.ts';

/** Model specs by paper family at a scale: paper widths, or small ones for quick runs; the learning rate is paper-settings'. */
export function familySpec(fam: string, act: 'linear' | 'relu', scale: Scale): ModelEntry {
  const deep = fam.startsWith('d');
  const base = deep ? fam.slice(1) : fam;
  const d = deep ? 3 : 1;
  const q = scale === 'quick';
  const entry = (spec: string): ModelEntry => ({
    spec,
    lr: defaultLearningRate(spec),
    ...(scale === 'paper' ? paperResources(spec) : {}),
  });
  switch (base) {
    case 'fc':
      return entry(`fc-w${q ? 256 : 2700}-d${d}-${act}`);
    case 'fwc':
      return entry(`fwc-c3-d${d}-${act}`);
    case 'lc':
      return entry(`lc-k3-c${q ? 8 : 32}-d${d}-${act}`);
    case 'bwc':
      return entry(`bwc-k3-c${q ? 8 : 32}-d${d}-${act}`);
  }
  throw new Error(`familySpec: unknown family '${fam}'`);
}

/**
 * Seeds and attack chunk of a model at paper scale: 5 seeds for the models that train in
 * under 20 minutes here, 3 for the slow ones (ResNets, VGG, locally connected, 3-layer models:
 * estimated, see `--plan`); chunks of 100 images (25 for the ResNets and VGG, whose
 * activations at 100 images would crowd the 2 GiB WASM memory).
 */
export function paperResources(spec: string): { seeds: number; attackChunk: number } {
  const big = /^(resnet|vgg)/.test(spec);
  const slow = big || spec.startsWith('lc') || /-d3-/.test(spec);
  return { seeds: slow ? PAPER_SEEDS.slow : PAPER_SEEDS.fast, attackChunk: big ? 25 : 100 };
}

const LINF = (scale: Scale, size: number): AttackEntry =>
  scale === 'paper'
    ? { name: 'pgd-linf', opts: paperPreset('pgd-linf', size) }
    : {
        name: 'pgd-linf',
        opts: { norm: 'linf', eps: 8 / 255, steps: 20, absStepsize: 1.5 / 255, randomStart: true, name: 'pgd-linf' },
      };

function baseConfig(
  scale: Scale,
  ctx: Pick<ExperimentContext, 'data' | 'seed'>,
  models: ModelEntry[],
  attacks: AttackEntry[],
  defaultData = 'cifar10',
  quickData = 'synthetic:train=2000,test=400',
): ModelStudyConfig {
  const data = ctx.data ?? (scale === 'paper' ? defaultData : quickData);
  if (scale === 'paper')
    return {
      data,
      models,
      ...trainingSettings('paper', {}, data),
      attacks,
      attackN: PAPER_EVALUATION.attackImages,
      attackChunk: 100,
      seed: ctx.seed,
    };
  return {
    data,
    models,
    ...trainingSettings('quick', { trainLimit: 2000, testLimit: 400, epochs: 2, batchSize: 64 }, data),
    attacks,
    attackN: 64,
    attackChunk: 64,
    seeds: 1,
    seed: ctx.seed,
  };
}

const FAMILIES = ['fc', 'dfc', 'fwc', 'dfwc', 'lc', 'bwc', 'dbwc'];

/** The 'table1' experiment (paper Table 1): Spearman correlation of |beta_hat| and |delta_hat| per model family. */
export const table1: Experiment<ModelStudyConfig, ModelStudyResult> = {
  name: 'table1',
  title: 'Spearman correlation of beta_hat and delta_hat for the model families (linear and ReLU)',
  reproduces: 'Table 1 (and Figures 9-10)',
  config: (scale, ctx) =>
    baseConfig(
      scale,
      ctx,
      FAMILIES.flatMap((f) => (['linear', 'relu'] as const).map((a) => familySpec(f, a, scale))),
      [LINF(scale, 3072)],
    ),
  async run(cfg, ctx) {
    const result = await runModelStudy(cfg, ctx);
    const a = cfg.attacks[0].name;
    const rows = FAMILIES.map((f) => {
      const pick = (act: string) =>
        result.models.find((m) => m.paperKey === f && m.act === act)?.analyses[a]?.spearman.mean;
      return [TABLE1[f].name, pick('linear') ?? null, TABLE1[f].linear, pick('relu') ?? null, TABLE1[f].relu];
    });
    const table = mdTable(['model', 'ours, linear', 'paper, linear', 'ours, ReLU', 'paper, ReLU'], rows);
    const markdown = [
      `Data \`${result.data}\`, PGD Linf (eps 8/255, ${cfg.attacks[0].opts.steps} steps) on the first ${cfg.attackN} test images. Spearman correlation of |β̂| and |δ̂| (grey, centred, unitary DFT, all H·W frequencies) per image, averaged over successfully attacked, correctly classified images.`,
      '',
      table,
      '',
      '## All statistics',
      '',
      studyTables(result, a),
    ].join('\n');
    return { result, figures: studyFigures(result), markdown, summary: table };
  },
};

function normsFigure(r: ModelStudyResult, attack: string): Figure {
  const ms = r.models.filter((m) => m.analyses[attack]);
  const idx = ms.map((_, i) => i);
  const series = (act: string, key: 'deltaL1' | 'deltaL2' | 'betaL1' | 'betaL2') => ({
    label: `${key.replace('delta', '‖δ̂‖').replace('beta', '‖β̂‖').replace('L1', '₁').replace('L2', '₂')}`,
    x: idx.filter((i) => ms[i].act === act),
    y: idx.filter((i) => ms[i].act === act).map((i) => ms[i].analyses[attack].norms.backward[key].mean),
  });
  const plots = (['deltaL1', 'betaL1'] as const).map((k) =>
    linePlot([series('linear', k), { ...series('relu', k), label: `${series('relu', k).label} ReLU`, dashed: true }], {
      title: `${k.startsWith('delta') ? '‖δ̂‖₁' : '‖β̂‖₁'} per model (x = model index, see table)`,
      xlabel: 'model index (table order)',
      ylabel: 'l1 norm (NumPy fft2 scale)',
      markers: true,
    }),
  );
  return {
    file: `fourier-norms-${attack}.svg`,
    svg: grid(plots, 2),
    caption: `Figure 11: l1 norms of δ̂ and β̂ per model (${attack}), linear (solid) and ReLU (dashed); model index = row of the table`,
  };
}

/** The 'fourier-norms' experiment (paper Tables 3 and 4, Figure 11): Fourier-domain norms of delta and beta. */
export const fourierNorms: Experiment<ModelStudyConfig, ModelStudyResult> = {
  name: 'fourier-norms',
  title: 'Fourier-domain norms of delta_hat and beta_hat per model',
  reproduces: 'Tables 3 and 4, Figure 11',
  config: (scale, ctx) =>
    baseConfig(
      scale,
      ctx,
      [
        ...['fc', 'fwc', 'bwc', 'dfc', 'dfwc', 'dbwc'].map((f) => familySpec(f, 'linear', scale)),
        ...['fc', 'lc', 'fwc', 'bwc'].map((f) => familySpec(f, 'relu', scale)),
        ...(scale === 'paper'
          ? ['resnet8', 'resnet18'].map((spec) => ({ spec, lr: defaultLearningRate(spec), ...paperResources(spec) }))
          : []),
      ],
      [LINF(scale, 3072)],
    ),
  async run(cfg, ctx) {
    const result = await runModelStudy(cfg, ctx);
    const a = cfg.attacks[0].name;
    const tables = studyTables(result, a);
    return {
      result,
      figures: [normsFigure(result, a), ...studyFigures(result)],
      markdown: [`Data \`${result.data}\`. Linear models are Table 3, ReLU models Table 4.`, '', tables].join('\n'),
      summary: tables,
    };
  },
};

/** The 'spectra' experiment (paper Figures 5, 12, 13): perturbation spectra under every attack. */
export const spectra: Experiment<ModelStudyConfig, ModelStudyResult> = {
  name: 'spectra',
  title: 'Average spectra of delta and beta per model for each attack',
  reproduces: 'Figures 5, 12 and 13',
  config: (scale, ctx) => {
    const attacks: AttackEntry[] =
      scale === 'paper'
        ? (['pgd-linf', 'pgd-l2', 'pgd-l1'] as const).map((n) => ({ name: n, opts: paperPreset(n, 3072) }))
        : [
            LINF(scale, 3072),
            {
              name: 'pgd-l2',
              opts: { norm: 'l2', eps: 0.5, steps: 20, absStepsize: 0.1, randomStart: false, name: 'pgd-l2' },
            },
            {
              name: 'pgd-l1',
              opts: {
                norm: 'l1',
                eps: 10,
                steps: 20,
                absStepsize: 2,
                randomStart: false,
                binarySearch: false,
                name: 'pgd-l1',
              },
            },
          ];
    return baseConfig(
      scale,
      ctx,
      ['fc', 'fwc', 'lc', 'bwc'].flatMap((f) => (['linear', 'relu'] as const).map((a) => familySpec(f, a, scale))),
      attacks,
    );
  },
  async run(cfg, ctx) {
    const result = await runModelStudy(cfg, ctx);
    const md = cfg.attacks.map((a) => [`## ${a.name}`, '', studyTables(result, a.name)].join('\n')).join('\n\n');
    return {
      result,
      figures: studyFigures(result),
      markdown: `Data \`${result.data}\`; the spectra figures are the result (the paper gives no numbers for Figures 5, 12, 13).\n\n${md}`,
    };
  },
};

/** The 'mnist-spectra' experiment (paper Figure 8): perturbation spectra on MNIST. */
export const mnistSpectra: Experiment<ModelStudyConfig, ModelStudyResult> = {
  name: 'mnist-spectra',
  title: 'Adversarial spectra of the linear model families on MNIST',
  reproduces: 'Figure 8a',
  config: (scale, ctx) => {
    const c = baseConfig(
      scale,
      ctx,
      ['fc', 'dfc', 'fwc', 'dfwc', 'lc', 'bwc', 'dbwc'].map((f) => familySpec(f, 'linear', scale)),
      [
        scale === 'paper'
          ? {
              name: 'pgd-linf',
              opts: {
                norm: 'linf',
                eps: 0.3,
                steps: PAPER_EVALUATION.pgdSteps,
                absStepsize: 0.01,
                randomStart: true,
                name: 'pgd-linf',
              },
            }
          : {
              name: 'pgd-linf',
              opts: { norm: 'linf', eps: 0.3, steps: 20, absStepsize: 0.03, randomStart: true, name: 'pgd-linf' },
            },
      ],
      'mnist',
      'mnist',
    );
    return c;
  },
  async run(cfg, ctx) {
    const result = await runModelStudy(cfg, ctx);
    const t = studyTables(result, 'pgd-linf', false);
    return {
      result,
      figures: studyFigures(result, 'mnist-'),
      markdown: `Data \`${result.data}\` (1x28x28; grey = the single channel). The paper shows only figures for MNIST ("no difference between MNIST models").\n\n${t}`,
      summary: t,
    };
  },
};
