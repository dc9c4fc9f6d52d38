// The engine behind Table 1, Tables 3-4 / Figure 11, Figures 5 and 12-13,
// Figure 8 and the quick study: train each model family on one data set,
// attack it, take its saliency map, and compute every Fourier statistic.
import type { Classifier } from '../nn/types.ts';
import type { PGDOptions } from '../attacks/pgd.ts';
import type { NamedAttackOptions } from '../attacks/named.ts';
import type { Dataset } from '../data/dataset.ts';
import { openDataset, part, type ExperimentContext, type Figure } from './common.ts';
import { analyseModel, splitToBatch, type FourierAnalysis } from './pipeline.ts';
import { DivergedError, trainedRun } from './train-run.ts';
import type { TrainingSettings } from '../train/paper-settings.ts';
import { grid, heatmap, linePlot } from '../report/svg.ts';
import { mdTable, pm, fmtFixed } from '../report/markdown.ts';
import { paperKey, TABLE1, TABLE3, TABLE4, TABLE6 } from './paper.ts';

/** One model of a study: spec and learning rate. */
export interface ModelEntry {
  spec: string;
  /** Learning rate (defaultLearningRate(spec) unless a study says otherwise). */
  lr: number;
  epochs?: number;
  /** Seeds for this model (default the study's `seeds`). */
  seeds?: number;
  /** Images per attack chunk (default the study's `attackChunk`). */
  attackChunk?: number;
}

/** A preset of the attack registry by name, with options (norm and name, when given, must match the preset's). */
export interface AttackEntry {
  name: string;
  opts: NamedAttackOptions & Partial<Pick<PGDOptions, 'norm' | 'name'>>;
}

/** A model study: data, models, training settings, attacks and how many images to attack. */
export interface ModelStudyConfig extends TrainingSettings {
  data: string;
  models: ModelEntry[];
  attacks: AttackEntry[];
  /** The first attackN test images are attacked. */
  attackN: number;
  /** Images per attack chunk (memory; each chunk is a resumable part). */
  attackChunk?: number;
  /** Seeds per model (seed, seed + 1, ...): every seed trains its own model. */
  seeds?: number;
  seed: number;
}

export interface SeedRun {
  seed: number;
  testAccuracy: number;
  trainLoss: number[];
  trainSeconds: number;
  lr: number;
  analyses: Record<string, FourierAnalysis>;
}

/** One trained model of a study with its accuracy and Fourier analysis per attack. */
export interface ModelStudyModel {
  spec: string;
  paperKey: string;
  act: 'linear' | 'relu';
  /** The first seed's values (figures and the single-seed tables use them). */
  trainLoss: number[];
  testAccuracy: number;
  trainSeconds: number;
  /** Learning rate actually used (smaller than configured when a run diverged and was retried). */
  lr?: number;
  analyses: Record<string, FourierAnalysis>;
  /** Every seed (the first is the one above). */
  seeds?: SeedRun[];
}

/** The result of a model study: one ModelStudyModel per model. */
export interface ModelStudyResult {
  data: string;
  models: ModelStudyModel[];
}

/** Train (or load / resume) one model through the project trainer; the best test epoch is used (loaded from the file `checkpoint`). */
export async function trainedModel(
  cfg: ModelStudyConfig,
  m: ModelEntry,
  seed: number,
  ctx: ExperimentContext,
  ds: Dataset,
): Promise<{
  model: Classifier;
  trainLoss: number[];
  testAccuracy: number;
  trainSeconds: number;
  lr: number;
  runDir: string;
  checkpoint: string;
}> {
  // a run whose loss becomes NaN/Inf is retried with the learning rate x0.2 (at most twice), and the report says so
  let lr = m.lr;
  let run;
  const base = `models/${m.spec}${seed === cfg.seed ? '' : `-seed${seed}`}`;
  for (let attempt = 0; ; attempt++) {
    try {
      run = await trainedRun(ctx, attempt === 0 ? base : `${base}-lr${lr}`, ds, {
        spec: m.spec,
        lr,
        epochs: m.epochs ?? cfg.epochs,
        batchSize: cfg.batchSize,
        momentum: cfg.momentum,
        weightDecay: cfg.weightDecay,
        schedule: cfg.schedule,
        seed,
        trainLimit: cfg.trainLimit,
        testLimit: cfg.testLimit,
      });
      break;
    } catch (e) {
      if (!(e instanceof DivergedError) || attempt >= 2) throw e;
      ctx.log(`${(e as Error).message.split('\n')[0]}; retrying with lr ${Number((lr * 0.2).toPrecision(3))}`);
      lr = Number((lr * 0.2).toPrecision(3));
    }
  }
  const hist = run.log.history.filter((h) => h.epoch > 0);
  const acc = run.log.bestTestAccuracy ?? hist[hist.length - 1]?.testAccuracy ?? NaN;
  ctx.log(
    `${m.spec} seed ${seed}: best test accuracy ${(100 * acc).toFixed(1)}% (epoch ${run.log.best?.epoch ?? '?'} of ${hist.length})`,
  );
  const checkpoint = run.file;
  return {
    model: run.model,
    trainLoss: hist.map((h) => h.trainLoss ?? NaN),
    testAccuracy: acc,
    trainSeconds: run.log.wallSeconds,
    lr,
    runDir: run.dir,
    checkpoint,
  };
}

/** Train every model of a study (resumable), attack it and analyse the perturbations and saliency maps. */
export async function runModelStudy(cfg: ModelStudyConfig, ctx: ExperimentContext): Promise<ModelStudyResult> {
  const ds = await openDataset(ctx, cfg.data);
  const attackBatch = splitToBatch(ds.test, ds.shape, cfg.attackN);
  const models: ModelStudyModel[] = [];
  for (const m of cfg.models) {
    const seeds: SeedRun[] = [];
    for (let k = 0; k < (m.seeds ?? cfg.seeds ?? 1); k++) {
      const seed = cfg.seed + k;
      const tag = `${m.spec}${k === 0 ? '' : `-seed${seed}`}`;
      seeds.push(
        await part(ctx, `model-${tag}`, async () => {
          const t = await trainedModel(cfg, m, seed, ctx, ds);
          const analyses: Record<string, FourierAnalysis> = {};
          for (const a of cfg.attacks) {
            analyses[a.name] = await part(ctx, `analysis-${tag}-${a.name}`, async () => {
              const r = await analyseModel(t.model, attackBatch, a, {
                seed,
                chunk: m.attackChunk ?? cfg.attackChunk,
                cached: (key, fn) => part(ctx, `chunk-${tag}-${a.name}-${key}`, fn),
                onProgress: (d, tot) => ctx.progress(`attack ${a.name} on ${tag}`, d, tot),
              });
              ctx.log(
                `${tag} ${a.name}: success ${(100 * r.analysis.successRate).toFixed(1)}% of correctly classified, Spearman ${fmtFixed(r.analysis.spearman.mean)}`,
              );
              return r.analysis;
            });
          }
          (t.model as { dispose?: () => void }).dispose?.();
          return {
            seed,
            testAccuracy: t.testAccuracy,
            trainLoss: t.trainLoss,
            trainSeconds: t.trainSeconds,
            lr: t.lr,
            analyses,
          } satisfies SeedRun;
        }),
      );
    }
    const pk = paperKey(m.spec);
    const s0 = seeds[0];
    models.push({
      spec: m.spec,
      paperKey: pk.key,
      act: pk.act,
      trainLoss: s0.trainLoss,
      testAccuracy: s0.testAccuracy,
      trainSeconds: s0.trainSeconds,
      lr: s0.lr,
      analyses: s0.analyses,
      seeds,
    });
  }
  return { data: cfg.data, models };
}

/** One [min, max] over several maps (finite values), for a shared colour scale. */
export function sharedRange(maps: ArrayLike<number>[]): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const m of maps)
    for (let i = 0; i < m.length; i++)
      if (Number.isFinite(m[i])) {
        lo = Math.min(lo, m[i]);
        hi = Math.max(hi, m[i]);
      }
  return Number.isFinite(lo) ? [lo, hi > lo ? hi : lo + 1] : [0, 1];
}

const short = (s: string): string => s.replace(/-linear$/, '').replace(/-k3|-c32|-w2700/g, '');

/** Heat maps of the averaged spectra, line plots of radial/angular energy, per attack. */
export function studyFigures(r: ModelStudyResult, prefix = ''): Figure[] {
  const figs: Figure[] = [];
  const attacks = [...new Set(r.models.flatMap((m) => Object.keys(m.analyses)))];
  for (const a of attacks) {
    const ms = r.models.filter((m) => m.analyses[a]);
    if (!ms.length) continue;
    const { h, w } = ms[0].analyses[a];
    // one colour scale for all models of a figure, so that they can be compared by eye
    const maps = (key: 'spectrumDelta' | 'spectrumBeta') => {
      const range = sharedRange(ms.map((m) => m.analyses[a][key]));
      return ms.map((m) =>
        heatmap(m.analyses[a][key], h, w, {
          title: short(m.spec),
          colorLabel: `log |${key === 'spectrumDelta' ? 'delta' : 'beta'}_hat| (unitary)`,
          cell: Math.max(3, Math.floor(128 / w)),
          xStart: -Math.floor(w / 2),
          yStart: -Math.floor(h / 2),
          xlabel: 'k_x (cycles/image)',
          ylabel: 'k_y',
          range,
        }),
      );
    };
    figs.push({
      file: `${prefix}spectrum-delta-${a}.svg`,
      svg: grid(maps('spectrumDelta'), 4, `Average spectrum of delta (${a}, grey, centred; one colour scale)`),
      caption: `Average centred log-magnitude spectrum of the adversarial perturbation delta (${a}), per model; all panels share one colour scale`,
    });
    figs.push({
      file: `${prefix}spectrum-beta-${a}.svg`,
      svg: grid(maps('spectrumBeta'), 4, 'Average spectrum of beta = d max-logit / dx (one colour scale)'),
      caption: `Average centred log-magnitude spectrum of the saliency beta, per model (images attacked by ${a}); all panels share one colour scale`,
    });
    figs.push({
      file: `${prefix}radial-${a}.svg`,
      svg: linePlot(
        ms.map((m) => ({
          label: short(m.spec),
          x: m.analyses[a].radial.centres,
          y: m.analyses[a].radial.energy.map((v) => Math.max(v, 1e-12)),
        })),
        {
          title: `Radial energy of delta_hat (${a})`,
          xlabel: 'k_r (cycles per image)',
          ylabel: 'fraction of energy E(k_r)',
          logY: true,
        },
      ),
      caption: `Radial energy distribution E(k_r) of |delta_hat|^2 (${a}), normalised to sum 1, on a log axis (the claim is about the high-frequency tail)`,
    });
    figs.push({
      file: `${prefix}angular-${a}.svg`,
      svg: linePlot(
        ms.map((m) => ({ label: short(m.spec), x: m.analyses[a].angular.centresDeg, y: m.analyses[a].angular.energy })),
        {
          title: `Angular energy of delta_hat (${a})`,
          xlabel: 'k_phi (degrees; bins centred on multiples of 9, so 0, 45, 90 are bin centres)',
          ylabel: 'fraction of energy E(k_phi)',
        },
      ),
      caption: `Angular energy distribution E(k_phi) of |delta_hat|^2 (${a}), ${360 / ms[0].analyses[a].angular.centresDeg.length}-degree bins centred so that the axes and the 45-degree diagonals are bin centres, normalised to sum 1`,
    });
  }
  return figs;
}

/** The Fourier-norm and correlation table of one attack, with the paper's numbers beside ours. */
export function studyTables(r: ModelStudyResult, attack: string, withPaper = true): string {
  const ms = r.models.filter((m) => m.analyses[attack]);
  const rows = ms.map((m) => {
    const a = m.analyses[attack];
    const t1 = withPaper ? TABLE1[m.paperKey] : undefined;
    const t34 = !withPaper ? undefined : m.act === 'linear' ? TABLE3[m.paperKey] : TABLE4[m.paperKey];
    const acc6 = withPaper ? (TABLE6[`${m.paperKey}-${m.act}`] ?? TABLE6[m.paperKey]) : undefined;
    const nb = a.norms.backward;
    return [
      `${m.spec}${m.lr !== undefined ? ` (lr ${m.lr})` : ''}`,
      `${fmtFixed(100 * m.testAccuracy, 1)}${acc6 !== undefined ? ` (${acc6})` : ''}`,
      `${fmtFixed(100 * a.successRate, 1)} (${a.used}/${a.attacked})`,
      `${fmtFixed(a.spearman.mean)}${t1 ? ` (${fmtFixed(t1[m.act])})` : ''}`,
      fmtFixed(a.spearman.ofAverages),
      `${pm(nb.deltaL2.mean, nb.deltaL2.std, 2)}${t34 ? ` (${t34.d2[0]})` : ''}`,
      `${pm(nb.deltaL1.mean, nb.deltaL1.std, 1)}${t34 ? ` (${t34.d1[0]})` : ''}`,
      `${pm(nb.betaL2.mean, nb.betaL2.std, 2)}${t34?.b2 ? ` (${t34.b2[0]})` : ''}`,
      `${pm(nb.betaL1.mean, nb.betaL1.std, 1)}${t34?.b1 ? ` (${t34.b1[0]})` : ''}`,
      fmtFixed(a.highFrequencyShare),
    ];
  });
  const uni = ms.map((m) => {
    const u = m.analyses[attack].norms.unitary;
    const pb = m.analyses[attack].norms.paperBeta;
    const t3 = withPaper && m.act === 'linear' ? TABLE3[m.paperKey] : undefined;
    return [
      m.spec,
      pm(u.deltaL2.mean, u.deltaL2.std),
      pm(u.deltaL1.mean, u.deltaL1.std, 2),
      pm(u.betaL2.mean, u.betaL2.std),
      pm(u.betaL1.mean, u.betaL1.std, 2),
      pb ? `${pm(pb.betaL2.mean, pb.betaL2.std, 1)}${t3?.b2 ? ` (${t3.b2[0]})` : ''}` : '-',
      pb ? `${pm(pb.betaL1.mean, pb.betaL1.std, 0)}${t3?.b1 ? ` (${t3.b1[0]})` : ''}` : '-',
      fmtFixed(m.analyses[attack].spearman.paperMean),
    ];
  });
  return [
    withPaper
      ? `Ours, with the paper's CIFAR-10 value in parentheses where it reports one (Table 6 accuracy, Table 1 Spearman, Tables 3/4 norms).`
      : 'The paper gives no numbers for this data set.',
    `Norms here use NumPy's unnormalised fft2 on the grey image (= sqrt(H W) x the unitary norms), the scale of the paper's numbers.`,
    '',
    mdTable(
      [
        'model',
        'test acc %',
        'attack success % (used/attacked)',
        'Spearman mean',
        'Spearman of avg spectra',
        '‖δ̂‖₂',
        '‖δ̂‖₁',
        '‖β̂‖₂',
        '‖β̂‖₁',
        'δ energy at k_r > H/4',
      ],
      rows,
    ),
    '',
    "The same norms with the unitary DFT (our definition: ‖δ̂‖₂ = ‖grey δ‖₂ by Parseval); then β after the paper code's preprocessing (per image z-score, abs, min-max to [0, 1], channel mean; NumPy scale, the paper's Table 3 value in parentheses: the paper's β norms are only reachable with this preprocessing, raw gradients are orders of magnitude smaller), and the Spearman correlation with that preprocessed β:",
    '',
    mdTable(
      ['model', '‖δ̂‖₂', '‖δ̂‖₁', '‖β̂‖₂', '‖β̂‖₁', '‖β̂‖₂ preprocessed', '‖β̂‖₁ preprocessed', 'Spearman (preprocessed β)'],
      uni,
    ),
  ].join('\n');
}
