// The engine behind Table 1, Tables 3-4 / Figure 11, Figures 5 and 12-13,
// Figure 8 and the quick study: train each model family on one data set,
// attack it, take its saliency map, and compute every Fourier statistic.
import type { Classifier } from '../nn/types.ts';
import type { PGDOptions } from '../attacks/pgd.ts';
import { part, type ExperimentContext, type Figure } from './common.ts';
import { openDataset, splitToBatch } from './data.ts';
import { analyseModel, type FourierAnalysis } from './pipeline.ts';
import { DivergedError, stepSchedule, trainedRun } from './train-run.ts';
import { grid, heatmap, linePlot } from '../report/svg.ts';
import { mdTable, pm, fmtFixed } from '../report/markdown.ts';
import { paperKey, TABLE1, TABLE3, TABLE4, TABLE6 } from './paper.ts';

/** One model of a study: spec and learning rate. */
export interface ModelEntry {
  spec: string;
  /** Learning rate (the paper: 0.01; 0.002 for conv models in its Table 7). */
  lr: number;
  epochs?: number;
}

/** One attack of a study: name and PGD options. */
export interface AttackEntry {
  name: string;
  opts: PGDOptions;
}

/** A model study: data, models, training settings, attacks and how many images to attack. */
export interface ModelStudyConfig {
  data: string;
  /** Training examples used (all when absent). */
  trainLimit?: number;
  /** Test examples used for accuracy. */
  testLimit?: number;
  models: ModelEntry[];
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  /** lr x decay every decayEvery epochs (the authors' code: 0.3 every 4). */
  decay: number;
  decayEvery: number;
  attacks: AttackEntry[];
  /** The first attackN test images are attacked. */
  attackN: number;
  seed: number;
}

/** One trained model of a study with its accuracy and Fourier analysis per attack. */
export interface ModelStudyModel {
  spec: string;
  paperKey: string;
  act: 'linear' | 'relu';
  trainLoss: number[];
  testAccuracy: number;
  trainSeconds: number;
  /** Learning rate actually used (smaller than configured when a run diverged and was retried). */
  lr?: number;
  analyses: Record<string, FourierAnalysis>;
}

/** The result of a model study: one ModelStudyModel per model. */
export interface ModelStudyResult {
  data: string;
  models: ModelStudyModel[];
}

/** Train (or load / resume) one model through the project trainer; the best test epoch is used. */
async function trainedModel(cfg: ModelStudyConfig, m: ModelEntry, ctx: ExperimentContext, ds: Awaited<ReturnType<typeof openDataset>>): Promise<{ model: Classifier; trainLoss: number[]; testAccuracy: number; trainSeconds: number; lr: number }> {
  // a run whose loss becomes NaN/Inf is retried with the learning rate x0.2 (at most twice), and the report says so
  let lr = m.lr;
  let run;
  for (let attempt = 0; ; attempt++) {
    try {
      run = await trainedRun(ctx, attempt === 0 ? `models/${m.spec}` : `models/${m.spec}-lr${lr}`, ds, {
        spec: m.spec, lr, epochs: m.epochs ?? cfg.epochs, batchSize: cfg.batchSize, momentum: cfg.momentum, weightDecay: cfg.weightDecay,
        schedule: stepSchedule(cfg.decay, cfg.decayEvery), seed: cfg.seed, trainLimit: cfg.trainLimit, testLimit: cfg.testLimit,
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
  ctx.log(`${m.spec}: best test accuracy ${(100 * acc).toFixed(1)}% (epoch ${run.log.best?.epoch ?? '?'} of ${hist.length})`);
  return { model: run.model, trainLoss: hist.map((h) => h.trainLoss ?? NaN), testAccuracy: acc, trainSeconds: run.log.wallSeconds, lr };
}

/** Train every model of a study (resumable), attack it and analyse the perturbations and saliency maps. */
export async function runModelStudy(cfg: ModelStudyConfig, ctx: ExperimentContext): Promise<ModelStudyResult> {
  const ds = await openDataset(ctx, cfg.data);
  const attackBatch = splitToBatch(ds.test, ds.shape, cfg.attackN);
  const models: ModelStudyModel[] = [];
  for (const m of cfg.models) {
    const done = await part(ctx, `model-${m.spec}`, async () => {
      const t = await trainedModel(cfg, m, ctx, ds);
      const analyses: Record<string, FourierAnalysis> = {};
      for (const a of cfg.attacks) {
        analyses[a.name] = await part(ctx, `analysis-${m.spec}-${a.name}`, async () => {
          const r = await analyseModel(t.model, attackBatch, a.opts, {
            seed: cfg.seed,
            onProgress: (d, tot) => ctx.progress(`attack ${a.name} on ${m.spec}`, d, tot),
          });
          ctx.log(`${m.spec} ${a.name}: success ${(100 * r.analysis.successRate).toFixed(1)}% of correctly classified, Spearman ${fmtFixed(r.analysis.spearman.mean)}`);
          return r.analysis;
        });
      }
      (t.model as { dispose?: () => void }).dispose?.();
      const pk = paperKey(m.spec);
      return { spec: m.spec, paperKey: pk.key, act: pk.act, trainLoss: t.trainLoss, testAccuracy: t.testAccuracy, trainSeconds: t.trainSeconds, lr: t.lr, analyses } satisfies ModelStudyModel;
    });
    models.push(done);
  }
  return { data: cfg.data, models };
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
    const maps = (key: 'spectrumDelta' | 'spectrumBeta') => ms.map((m) => heatmap(m.analyses[a][key], h, w, {
      title: short(m.spec), colorLabel: `log |${key === 'spectrumDelta' ? 'delta' : 'beta'}_hat| (unitary)`, cell: Math.max(3, Math.floor(128 / w)),
      xStart: -Math.floor(w / 2), yStart: -Math.floor(h / 2), xlabel: 'k_x (cycles/image)', ylabel: 'k_y',
    }));
    figs.push({ file: `${prefix}spectrum-delta-${a}.svg`, svg: grid(maps('spectrumDelta'), 4, `Average spectrum of delta (${a}, grey, centred)`), caption: `Average centred log-magnitude spectrum of the adversarial perturbation delta (${a}), per model` });
    figs.push({ file: `${prefix}spectrum-beta-${a}.svg`, svg: grid(maps('spectrumBeta'), 4, 'Average spectrum of beta = d max-logit / dx'), caption: `Average centred log-magnitude spectrum of the saliency beta, per model (images attacked by ${a})` });
    figs.push({
      file: `${prefix}radial-${a}.svg`,
      svg: linePlot(ms.map((m) => ({ label: short(m.spec), x: m.analyses[a].radial.centres, y: m.analyses[a].radial.energy })), { title: `Radial energy of delta_hat (${a})`, xlabel: 'k_r (cycles per image)', ylabel: 'fraction of energy E(k_r)' }),
      caption: `Radial energy distribution E(k_r) of |delta_hat|^2 (${a}), normalised to sum 1`,
    });
    figs.push({
      file: `${prefix}angular-${a}.svg`,
      svg: linePlot(ms.map((m) => ({ label: short(m.spec), x: m.analyses[a].angular.centresDeg, y: m.analyses[a].angular.energy })), { title: `Angular energy of delta_hat (${a})`, xlabel: 'k_phi (degrees)', ylabel: 'fraction of energy E(k_phi)' }),
      caption: `Angular energy distribution E(k_phi) of |delta_hat|^2 (${a}), 10-degree bins, normalised to sum 1`,
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
    const acc6 = withPaper ? TABLE6[`${m.paperKey}-${m.act}`] ?? TABLE6[m.paperKey] : undefined;
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
    return [m.spec, pm(u.deltaL2.mean, u.deltaL2.std), pm(u.deltaL1.mean, u.deltaL1.std, 2), pm(u.betaL2.mean, u.betaL2.std), pm(u.betaL1.mean, u.betaL1.std, 2),
      pb ? `${pm(pb.betaL2.mean, pb.betaL2.std, 1)}${t3?.b2 ? ` (${t3.b2[0]})` : ''}` : '-', pb ? `${pm(pb.betaL1.mean, pb.betaL1.std, 0)}${t3?.b1 ? ` (${t3.b1[0]})` : ''}` : '-',
      fmtFixed(m.analyses[attack].spearman.paperMean)];
  });
  return [
    withPaper ? `Ours, with the paper's CIFAR-10 value in parentheses where it reports one (Table 6 accuracy, Table 1 Spearman, Tables 3/4 norms).` : 'The paper gives no numbers for this data set.',
    `Norms here use NumPy's unnormalised fft2 on the grey image (= sqrt(H W) x the unitary norms), the scale of the paper's numbers.`,
    '',
    mdTable(['model', 'test acc %', 'attack success % (used/attacked)', 'Spearman mean', 'Spearman of avg spectra', '‖δ̂‖₂', '‖δ̂‖₁', '‖β̂‖₂', '‖β̂‖₁', 'δ energy at k_r > H/4'], rows),
    '',
    'The same norms with the unitary DFT (our definition: ‖δ̂‖₂ = ‖grey δ‖₂ by Parseval); then β after the paper code\'s preprocessing (per image z-score, abs, min-max to [0, 1], channel mean; NumPy scale, the paper\'s Table 3 value in parentheses: the paper\'s β norms are only reachable with this preprocessing, raw gradients are orders of magnitude smaller), and the Spearman correlation with that preprocessed β:',
    '',
    mdTable(['model', '‖δ̂‖₂', '‖δ̂‖₁', '‖β̂‖₂', '‖β̂‖₁', '‖β̂‖₂ preprocessed', '‖β̂‖₁ preprocessed', 'Spearman (preprocessed β)'], uni),
  ].join('\n');
}
